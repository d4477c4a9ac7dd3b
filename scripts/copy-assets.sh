#!/usr/bin/env bash
# Copy the built files of the npm packages MediaDesk serves into mediadesk/static/vendor/.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
nm="$here/frontend/node_modules"
out="$here/mediadesk/static/vendor"
rm -rf "$out"
mkdir -p "$out/bootstrap" "$out/bootstrap-icons/fonts" "$out/htmx" "$out/alpine" "$out/echarts" "$out/fullcalendar"
cp "$nm/bootstrap/dist/css/bootstrap.min.css" "$nm/bootstrap/dist/js/bootstrap.bundle.min.js" "$out/bootstrap/"
cp "$nm/bootstrap-icons/font/bootstrap-icons.min.css" "$out/bootstrap-icons/"
cp "$nm"/bootstrap-icons/font/fonts/bootstrap-icons.woff* "$out/bootstrap-icons/fonts/"
cp "$nm/htmx.org/dist/htmx.min.js" "$out/htmx/"
cp "$nm/alpinejs/dist/cdn.min.js" "$out/alpine/alpine.min.js"
cp "$nm/echarts/dist/echarts.min.js" "$out/echarts/"
cp "$nm/fullcalendar/index.global.min.js" "$out/fullcalendar/fullcalendar.min.js"
cp "$nm/@fullcalendar/core/locales/zh-cn.global.min.js" "$out/fullcalendar/zh-cn.min.js"
echo "assets copied to $out"
