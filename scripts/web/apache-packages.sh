dpkg -s apache2 >/dev/null 2>&1 || billu_apt_install apache2
