"""Downloads of registry data for research."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from registry.exporting import registry_export_deidentified


@login_required
@require_GET
def deidentified_export(request):
    """The de-identified interchange files of the centres the user may read, as a ZIP.

    Any signed-in role may download it: it holds less than the user can already read."""
    # Not a with-block: the file must outlive this function; FileResponse closes it, and
    # a closed TemporaryFile is deleted.
    archive = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        with tempfile.TemporaryDirectory() as folder:
            registry_export_deidentified(directory=folder, user=request.user)
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
                for path in sorted(Path(folder).iterdir()):
                    bundle.write(path, arcname=path.name)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    filename = f"registry-deidentified-{timezone.localdate():%Y%m%d}.zip"
    return FileResponse(
        archive, as_attachment=True, filename=filename, content_type="application/zip"
    )
