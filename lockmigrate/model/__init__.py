"""Every data class of lockmigrate, no logic beyond accessors:

- :mod:`~lockmigrate.model.requirements`: a requirements file as pip reads it (``Origin``,
  ``Option``, ``Include``, ``DeclaredRequirement``, ``RequirementFile``, ``IncludeGraph``);
- :mod:`~lockmigrate.model.services`: what a scan found (services, their files, formats);
- :mod:`~lockmigrate.model.locks`: a lock of any format (``Lock``, ``PinnedPackage``);
- :mod:`~lockmigrate.model.metadata`: what a folder's package metadata says;
- :mod:`~lockmigrate.model.python`: the Python a project targets (``PythonTarget``);
- :mod:`~lockmigrate.model.readers`: the readers a writer is handed (``Readers``).

Importing this package imports none of its modules.
"""
