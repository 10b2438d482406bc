# embed.cmake - writes the bytes of file IN into OUT as a C array NAME of
# unsigned char (NUL-terminated for convenience) and its length LEN_NAME:
#   cmake -DIN=... -DOUT=... -DNAME=... -DLEN_NAME=... -P embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" nhex)
math(EXPR nbytes "${nhex} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# Sixteen bytes a line.
string(REPEAT "0x[0-9a-f][0-9a-f]," 16 row)
string(REGEX REPLACE "(${row})" "\\1\n" bytes "${bytes}")
get_filename_component(src "${IN}" NAME)
file(WRITE "${OUT}.tmp"
  "/* Generated from ${src} by cmake/embed.cmake; do not edit. */\n"
  "#include <stddef.h>\n\n"
  "extern const unsigned char ${NAME}[];\n"
  "extern const size_t ${LEN_NAME};\n\n"
  "const unsigned char ${NAME}[] = {\n${bytes}0x00\n};\n"
  "const size_t ${LEN_NAME} = ${nbytes};\n")
# configure_file writes OUT only when it changes: an unchanged rules file
# rebuilds nothing.
configure_file("${OUT}.tmp" "${OUT}" COPYONLY)
file(REMOVE "${OUT}.tmp")
