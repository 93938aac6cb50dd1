#!/usr/bin/env bash
# Installs a real Home Assistant for the real-upstream tier into a Python venv in the machine's
# cache (never the repo): ${HOMELAB_CACHE:-$HOME/.cache/homelab}/home-assistant/venv.
# Every Python package is pinned below (a full lock, installed with --no-deps and checked with
# `pip check`), including the requirements of the integrations the test config loads, so hass
# runs with --skip-pip and never installs anything at runtime.
# --with-hass-mcp also installs PyPI hass-mcp (a peer MCP server for benchmarks) into
# .../home-assistant/hass-mcp-venv; it needs Python >= 3.13 (HASS_MCP_PYTHON, python3.13 on
# PATH, or pyenv's 3.13).
# Idempotent: a venv whose stamp matches its lock returns at once. Progress goes to stderr;
# any failure exits non-zero with the reason.
set -euo pipefail

HA_VERSION=2024.3.3
HASS_MCP_VERSION=0.6.1

# homeassistant 2024.3.3 as pip resolves it on Python 3.11 under the release's own
# package_constraints.txt, plus josepy<2 (josepy 2 breaks acme 2.8.0, which hass_nabucasa
# imports on every HTTP request) and the requirements of the integrations the tests load
# (recorder, frontend, conversation, backup, camera, tts, ...).
HA_LOCK="acme==2.8.0
aiohttp==3.9.3
aiohttp-cors==0.7.0
aiohttp-fast-url-dispatcher==0.3.0
aiohttp-zlib-ng==0.3.1
aiooui==0.1.11
aiosignal==1.4.0
anyio==4.1.0
astral==2.2
async-interrupt==1.1.1
async-timeout==5.0.1
atomicwrites-homeassistant==1.4.1
attrs==23.2.0
awesomeversion==24.2.0
bcrypt==4.1.2
bleak==0.21.1
bleak-retry-connector==3.4.0
bluetooth-adapters==0.18.0
bluetooth-auto-recovery==1.3.0
bluetooth-data-tools==1.19.0
boto3==1.44.8
botocore==1.44.8
btsocket==0.3.0
certifi==2026.10.19.post1
cffi==2.1.1
charset-normalizer==3.2.0
ciso8601==2.3.1
cryptography==42.0.5
dbus-fast==2.21.1
ecdsa==0.19.2
envs==1.4
fnv-hash-fast==0.5.0
fnvhash==0.1.0
frozenlist==1.8.0
greenlet==3.5.6
h11==0.14.0
ha-ffmpeg==3.1.0
habluetooth==2.4.2
hass-nabucasa==0.78.0
hassil==1.6.1
home-assistant-bluetooth==1.12.0
home-assistant-frontend==20240307.0
home-assistant-intents==2024.3.12
homeassistant==${HA_VERSION}
httpcore==1.0.4
httpx==0.27.0
idna==3.20
ifaddr==0.2.0
janus==1.0.0
Jinja2==3.1.3
jmespath==1.1.0
josepy==1.14.0
lru-dict==1.3.0
MarkupSafe==3.0.4
multidict==6.9.1
mutagen==1.47.0
numpy==1.26.0
orjson==3.9.15
packaging==26.4
Pillow==10.2.0
psutil==7.2.2
psutil-home-assistant==0.0.1
pyasn1==0.6.5
pycognito==2023.5.0
pycparser==3.12
PyJWT==2.8.0
pyOpenSSL==24.0.0
pyRFC3339==2.1.1
PyRIC==0.1.6.3
python-dateutil==2.9.0.post0
python-jose==3.5.0
python-slugify==8.0.4
PyTurboJPEG==1.7.1
pytz==2026.6
PyYAML==6.0.1
requests==2.31.0
rsa==4.9.1
s3transfer==0.19.3
securetar==2024.2.1
six==1.17.0
sniffio==1.3.1
snitun==0.36.2
SQLAlchemy==2.0.27
text-unidecode==1.3
typing_extensions==4.16.0
ulid-transform==0.9.0
unicode-rbnf==1.0.0
urllib3==1.26.20
usb-devices==0.5.1
voluptuous==0.13.1
voluptuous-serialize==2.6.0
yarl==1.9.4
zlib-ng==1.1.0"

# hass-mcp 0.6.1 as pip resolves it on Python 3.13.
HASS_MCP_LOCK="annotated-doc==0.0.7
annotated-types==0.8.0
anyio==4.16.0
attrs==26.1.0
certifi==2026.10.19.post1
cffi==2.1.1
click==8.5.1
cryptography==50.0.2
h11==0.16.0
hass-mcp==${HASS_MCP_VERSION}
httpcore==1.0.9
httpx==0.28.1
httpx-sse==0.4.3
idna==3.20
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
markdown-it-py==4.3.0
mcp==1.30.0
mdurl==0.1.2
pycparser==3.12
pydantic==2.14.4
pydantic-settings==2.16.3
pydantic_core==2.50.5
Pygments==2.21.0
PyJWT==2.15.1
python-dotenv==1.2.4
python-multipart==0.0.34
referencing==0.37.0
rich==15.0.0
rpds-py==2026.9.1
shellingham==1.5.4
sse-starlette==3.7.0
starlette==1.10.0
truststore==0.10.5
typer==0.29.2
typing-inspection==0.4.5
typing_extensions==4.16.0
uvicorn==0.54.0
websockets==17.4"

log() { printf 'home-assistant.sh: %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

with_hass_mcp=false
for arg in "$@"; do
  case "$arg" in
    --with-hass-mcp) with_hass_mcp=true ;;
    -h | --help)
      sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
      exit 0
      ;;
    *) fail "unknown argument '$arg' (usage: $0 [--with-hass-mcp])" ;;
  esac
done

root="${HOMELAB_CACHE:-$HOME/.cache/homelab}/home-assistant"
mkdir -p "$root" || fail "cannot create $root"
exec 9>"$root/.install.lock"
flock 9 || fail "cannot lock $root/.install.lock"

# install_venv NAME PYTHON LOCK CHECK: (re)creates $root/NAME from LOCK unless its stamp says it
# already holds exactly that lock for that Python; CHECK is a command run inside the venv after.
install_venv() {
  local name="$1" python="$2" lock="$3" check="$4"
  local venv="$root/$name"
  local python_version stamp
  python_version="$("$python" -c 'import sys; print(sys.version.split()[0])')" ||
    fail "$python does not run"
  stamp="$(printf '%s\n%s\n' "$python_version" "$lock" | sha256sum | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.homelab-stamp" 2>/dev/null)" = "$stamp" ] &&
    "$venv/bin/python" -c '' 2>/dev/null; then
    log "$name is up to date ($venv)"
    return 0
  fi
  local started=$SECONDS
  log "creating $venv with Python $python_version"
  rm -rf "$venv"
  "$python" -m venv "$venv" ||
    fail "'$python -m venv' failed; on Debian install python3-venv (apt-get install -y python3-venv)"
  printf '%s\n' "$lock" >"$venv/requirements.lock"
  log "installing $(wc -l <"$venv/requirements.lock") pinned packages into $name (a cold install takes a minute or two)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-virtualenv \
    -r "$venv/requirements.lock" >&2 || fail "pip install into $venv failed (see above)"
  "$venv/bin/pip" check --disable-pip-version-check >&2 ||
    fail "the pinned packages in $venv are inconsistent (pip check above)"
  "$venv/bin/python" -c "$check" || fail "$name installed but its check failed: $check"
  printf '%s\n' "$stamp" >"$venv/.homelab-stamp"
  log "$name ready in $((SECONDS - started)) s"
}

# Python for Home Assistant: the machine's python3 (3.11 here), or HOMELAB_HA_PYTHON.
ha_python="${HOMELAB_HA_PYTHON:-python3}"
command -v "$ha_python" >/dev/null 2>&1 || fail "$ha_python not found (install python3 and python3-venv)"
"$ha_python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
  fail "Home Assistant $HA_VERSION needs Python >= 3.11; $ha_python is $("$ha_python" --version 2>&1)"
install_venv venv "$ha_python" "$HA_LOCK" \
  "import homeassistant.const as c, sqlalchemy, hass_frontend, hassil, PIL; assert c.__version__ == '$HA_VERSION', c.__version__"
log "Home Assistant $HA_VERSION: $root/venv/bin/hass"

if [ "$with_hass_mcp" = true ]; then
  mcp_python="${HASS_MCP_PYTHON:-}"
  if [ -z "$mcp_python" ]; then
    for candidate in python3.14 python3.13 "$(pyenv root 2>/dev/null)"/versions/3.1[3-9]*/bin/python3; do
      if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' 2>/dev/null; then
        mcp_python="$candidate"
        break
      fi
    done
  fi
  [ -n "$mcp_python" ] || fail "hass-mcp $HASS_MCP_VERSION needs Python >= 3.13 and none was found; set HASS_MCP_PYTHON"
  install_venv hass-mcp-venv "$mcp_python" "$HASS_MCP_LOCK" "import mcp, httpx, websockets"
  [ -x "$root/hass-mcp-venv/bin/hass-mcp" ] || fail "hass-mcp installed but $root/hass-mcp-venv/bin/hass-mcp is missing"
  log "hass-mcp $HASS_MCP_VERSION: $root/hass-mcp-venv/bin/hass-mcp"
fi
