"""All policy data under rules/, loaded and validated once at start, then passed down."""

from dataclasses import dataclass
from pathlib import Path

from intake.conversation import ConversationRules
from intake.extract.arrangement import ArrangementRules
from intake.extract.kinds import KindRules
from intake.extract.services import ServiceTaxonomy
from intake.gazetteer import Gazetteer
from intake.readers.labels import FormFieldRules
from intake.validate import ValidationRules


@dataclass(frozen=True)
class Rules:
    gazetteer: Gazetteer
    services: ServiceTaxonomy
    arrangements: ArrangementRules
    kinds: KindRules
    form_fields: FormFieldRules
    validation: ValidationRules
    conversation: ConversationRules

    @classmethod
    def load(cls, rules_dir: Path) -> "Rules":
        """Raises RulesError naming the file at fault."""
        return cls(
            gazetteer=Gazetteer.load(rules_dir),
            services=ServiceTaxonomy.load(rules_dir),
            arrangements=ArrangementRules.load(rules_dir),
            kinds=KindRules.load(rules_dir),
            form_fields=FormFieldRules.load(rules_dir),
            validation=ValidationRules.load(rules_dir),
            conversation=ConversationRules.load(rules_dir),
        )
