# Runs at install time (cmake --install, cpack), where CMAKE_INSTALL_PREFIX is
# the prefix installed to and MW_SOURCE_DIR / MW_BINARY_DIR are set by
# cmake/Install.cmake. file(INSTALL) adds $DESTDIR and records the manifest.

# As GNUInstallDirs: the prefix /usr keeps its configuration in /etc.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(mw_config_dir "/etc/memberwatch")
else()
  set(mw_config_dir "${CMAKE_INSTALL_PREFIX}/etc/memberwatch")
endif()

# The unit names the installed binary and configuration.
file(READ "${MW_SOURCE_DIR}/systemd/memberwatch.service" mw_unit)
string(REPLACE "/usr/bin/memberwatchd" "${CMAKE_INSTALL_PREFIX}/bin/memberwatchd" mw_unit "${mw_unit}")
string(REPLACE "/etc/memberwatch/memberwatch.yaml" "${mw_config_dir}/memberwatch.yaml" mw_unit "${mw_unit}")
set(mw_unit_file "${MW_BINARY_DIR}/install/memberwatch.service")
file(WRITE "${mw_unit_file}" "${mw_unit}")
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ FILES "${mw_unit_file}")

# An operator's configuration is never overwritten.
if(EXISTS "$ENV{DESTDIR}${mw_config_dir}/memberwatch.yaml")
  message(STATUS "Keeping: $ENV{DESTDIR}${mw_config_dir}/memberwatch.yaml")
else()
  file(INSTALL DESTINATION "${mw_config_dir}" TYPE FILE
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${MW_SOURCE_DIR}/config/memberwatch.yaml")
endif()
