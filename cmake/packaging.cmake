# Installation beyond tools/ (README, copyright) and the Debian package built by
# `cpack -G DEB`. Dependencies come from dpkg-shlibdeps, so they follow what the binary links.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The project has no LICENSE yet: the package says "proprietary" until the lead decides.
set(MF_COPYRIGHT ${PROJECT_BINARY_DIR}/copyright)
file(WRITE ${MF_COPYRIGHT}
  "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
  "Upstream-Name: mediaforge\n\n"
  "Files: *\n"
  "Copyright: the mediaforge authors\n"
  "License: proprietary\n"
  " Placeholder: the project has no license file yet. All rights reserved.\n")
install(FILES ${MF_COPYRIGHT} DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME mediaforge)
set(CPACK_PACKAGE_VENDOR "mediaforge")
set(CPACK_PACKAGE_CONTACT "mediaforge maintainers <mediaforge@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "bootable media, verified image writes and honest drive numbers")
set(CPACK_RESOURCE_FILE_LICENSE ${MF_COPYRIGHT})
set(CPACK_RESOURCE_FILE_README ${PROJECT_SOURCE_DIR}/README.md)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_FILE_NAME "${CPACK_PACKAGE_NAME}")  # overridden by DEB-DEFAULT below
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "bootable media, verified image writes and honest drive numbers\n"
  "mediaforge builds hybrid ISO images that boot BIOS and UEFI, FAT32 USB sticks\n"
  "with its own writers, writes images onto many USB drives at once with verified\n"
  "read-back, checks existing media and measures how fast and how honestly a drive\n"
  "writes. It refuses to touch the wrong disk.")
set(CPACK_GENERATOR DEB)
include(CPack)
