# The shell templates, one file per shell. Installed as the package
# awsshell_setup.shell_templates (see package_dir in setup.cfg), every file of this folder
# included, so the code finds them next to itself in installed and editable installs alike.
