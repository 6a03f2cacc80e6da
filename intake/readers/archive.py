"""A .zip attachment: the files in it, each read like any other attachment.

Councils zip a filled form or two. What a zip says of itself is not trusted: each
member is read at most ``limits.max_attachment_bytes`` (whatever size its header
claims), the archive as a whole at most that much again, and at most
``_MAX_MEMBERS`` files; an encrypted member, a damaged archive or a file over the
limit is a warning, never a failure. Zips inside zips stop at the parse stage's
nesting limit.
"""

import io
import zipfile
from collections.abc import Sequence

from intake.config import LimitsSettings
from intake.messages import Attachment
from intake.parse.attachments import Contained, format_mb

_MAX_MEMBERS = 20
_CONTAINED_TYPE = "application/octet-stream"  # sniffed from content, never trusted


def read_zip(attachment: Attachment, limits: LimitsSettings) -> Sequence[Contained]:
    """The files of a .zip, as attachments of their own."""
    name, budget = attachment.filename, limits.max_attachment_bytes  # for the whole zip
    files: list[Contained] = []
    try:
        with zipfile.ZipFile(io.BytesIO(attachment.data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > _MAX_MEMBERS:
                attachment.warnings.append(
                    f"{name} holds {len(members)} files: only the first {_MAX_MEMBERS} read"
                )
            for member in members[:_MAX_MEMBERS]:
                inner = member.filename.replace("\\", "/").rpartition("/")[2] or "file"
                if member.flag_bits & 0x1:
                    attachment.warnings.append(f"{name}: {inner} is encrypted: not read")
                    continue
                limit = min(budget, limits.max_attachment_bytes)
                with archive.open(member) as stream:
                    data = stream.read(limit + 1)  # never more, whatever the header says
                if len(data) > limit:
                    attachment.warnings.append(
                        f"{name}: {inner} unpacks to over {format_mb(limit)}: not read"
                    )
                    continue
                budget -= len(data)
                files.append(Contained(inner, _CONTAINED_TYPE, data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as e:
        reason = (str(e).splitlines() or [type(e).__name__])[0][:200]
        attachment.warnings.append(f"{name} is damaged: not read ({reason})")
    attachment.text = ""
    return files
