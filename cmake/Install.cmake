# Install rules and the Debian package (CPack).
#
#   cmake --install build [--prefix /usr]        # default prefix /usr/local
#   cd build && cpack                            # build/memberwatch_<version>_<arch>.deb
#
# memberwatchd and memberwatchctl themselves are installed by
# daemon/app/CMakeLists.txt and daemon/ctl/CMakeLists.txt (bin/).
# Under the prefix: lib/systemd/system/memberwatch.service,
# share/man/man8/memberwatchd.8, share/man/man1/memberwatchctl.1,
# share/bash-completion/completions/memberwatchctl (where bash-completion
# loads it on demand), share/doc/memberwatch/, the Prometheus alerting rules
# share/memberwatch/memberwatch.rules.yml; the configuration
# goes to /etc/memberwatch for the prefix /usr, else to PREFIX/etc/memberwatch,
# and an existing one is never overwritten.
include(GNUInstallDirs)

install(FILES docs/memberwatchd.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES docs/memberwatchctl.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES completions/memberwatchctl DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES README.md docs/operations.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES config/memberwatch.yaml config/whole-organization.yaml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES monitoring/memberwatch.rules.yml DESTINATION ${CMAKE_INSTALL_DATADIR}/memberwatch)

# The unit and the configuration depend on the prefix chosen at install time
# (cmake --install --prefix, CPack's /usr), so a script decides then.
install(CODE "set(MW_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")\nset(MW_BINARY_DIR \"${CMAKE_BINARY_DIR}\")")
install(SCRIPT cmake/InstallTime.cmake)

# The Debian package: /usr, dependencies from dpkg-shlibdeps (package
# dpkg-dev), the configuration as a conffile.
set(MW_PACKAGE_MAINTAINER "memberwatch maintainers <memberwatch@localhost>"
    CACHE STRING "The Maintainer field of the Debian package")
set(MW_PACKAGE_DIR "${CMAKE_BINARY_DIR}/package")
configure_file(cmake/package/conffiles ${MW_PACKAGE_DIR}/conffiles COPYONLY)
foreach(script postinst prerm postrm)
  configure_file(cmake/package/${script} ${MW_PACKAGE_DIR}/${script} COPYONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                                  WORLD_EXECUTE)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME memberwatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR memberwatch)
set(CPACK_PACKAGE_CONTACT "${MW_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "AWS Security Hub, GuardDuty and Detective membership watcher")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
# DESTDIR staging: the configuration's absolute /etc path lands in the package.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The long description; CPack puts the summary above it and indents it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "memberwatchd polls the administrator accounts of AWS Security Hub,
GuardDuty and Detective in every configured region, merges their member
lists into one JSON snapshot with coverage gaps, keeps a changes log, and
serves health checks and Prometheus metrics. It runs as a systemd service.
memberwatchctl asks the snapshot and the changes log about gaps, accounts
and changes, and checks them as a Nagios plugin.")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${MW_PACKAGE_DIR}/conffiles;${MW_PACKAGE_DIR}/postinst;${MW_PACKAGE_DIR}/prerm;${MW_PACKAGE_DIR}/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/")
include(CPack)
