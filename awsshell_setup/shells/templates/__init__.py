# The shell templates, one file per shell. A subpackage (setup.cfg's package_data takes every
# file of this folder), so the code finds them next to itself in installed and editable
# installs alike.
