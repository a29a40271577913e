#!/usr/bin/env bash
# Packs the Claude Desktop extension (.mcpb): stages manifest.json, pyproject.toml, README.md and the
# gemini_mcp package (server.type "uv": Claude Desktop installs the dependencies from pyproject.toml),
# validates the manifest and runs `mcpb pack`.
# Usage: bash manifests/mcpb/pack.sh [OUTPUT]      (default: dist/gemini-interactions-mcp-<version>.mcpb)
# MCPB overrides the packer command (default: npx -y @anthropic-ai/mcpb@2.1.2; needs Node.js).
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
out=$(realpath -m "${1:-dist/gemini-interactions-mcp-$version.mcpb}")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp manifests/mcpb/manifest.json pyproject.toml README.md "$stage/"
tar -c --exclude=__pycache__ --exclude='*.pyc' gemini_mcp | tar -x -C "$stage"
mkdir -p "$(dirname "$out")"
read -r -a mcpb <<<"${MCPB:-npx -y @anthropic-ai/mcpb@2.1.2}"
"${mcpb[@]}" validate "$stage/manifest.json"
"${mcpb[@]}" pack "$stage" "$out"
echo "packed $out"
