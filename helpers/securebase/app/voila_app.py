"""The app's Voila: Voila itself, with the routes Secure Base adds (the report files of
:mod:`securebase.app.files`). Started as ``python -m securebase.app.voila_app`` by
:func:`securebase.app.server.launch_app`; it takes Voila's own options."""

from __future__ import annotations

from voila.app import Voila

from securebase.app import files


class SecureBaseVoila(Voila):
    """Voila serving the workbooks folder, plus the report files behind the same login."""

    name = "voila"  # Voila's settings files (voila.json) and traitlets sections still apply

    def init_handlers(self) -> list:
        return files.handlers(self.base_url) + super().init_handlers()


main = SecureBaseVoila.launch_instance

if __name__ == "__main__":  # pragma: no cover - run by the app launcher
    main()
