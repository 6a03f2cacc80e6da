"""The web app's policy data: rules/web.yaml (sign-in limits, page sizes)."""

from pathlib import Path

import yaml

from intake.web.auth import SignInPolicy


def load_web_rules(rules_dir: Path) -> SignInPolicy:
    """The sign-in policy from ``rules_dir/web.yaml``; the defaults when there is none."""
    path = rules_dir / "web.yaml"
    if not path.exists():
        return SignInPolicy()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return SignInPolicy.model_validate(data.get("sign_in", {}))
