# Writes OUT, a C file defining `const char NAME[]` with the bytes of IN
# and a terminating NUL: the web page's CSS and JavaScript are real files
# (src/web/assets/) that the binary carries (cmake -P, no xxd needed).
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n  " bytes "${bytes}")
get_filename_component(src "${IN}" NAME)
file(WRITE "${OUT}.tmp" "/* Generated from src/web/assets/${src} by cmake/embed.cmake; do not edit. */\n"
     "const char ${NAME}[] = {\n  ${bytes}0x00};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
