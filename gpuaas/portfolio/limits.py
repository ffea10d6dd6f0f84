"""How much a portfolio may hold: shared by both readers."""
import re

from ..inputs import MAX_BYTES  # noqa: F401 - the readers take it from here

MAX_NODES = 500_000      # aliases may multiply a small file (billion laughs): refuse early
MAX_DEPTH = 64
# Characters no portfolio value needs and the rendered YAML cannot carry as JSON-quoted text
# (YAML forbids DEL, C1 controls, lone surrogates and U+FFFE/U+FFFF; NEL, U+2028 and U+2029
# are line breaks to YAML 1.1 readers): reached through escapes such as "\x7F" or "\ud800".
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")

