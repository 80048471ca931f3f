# The shell templates, one file per shell. Installed as the package awsshell_setup.shell
# (see package_dir in setup.cfg) so the code finds them next to itself.
