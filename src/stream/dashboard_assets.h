#pragma once
// The live dashboard's files, embedded into the binary at build time by
// dashboard_assets.cmake (our page plus the charting library's dist files), so
// that `/` works offline.

#include <string_view>
#include <vector>

namespace borgscope {

struct DashboardAsset {
  std::string_view name;          // "index.html", "uPlot.iife.min.js", ...
  std::string_view content_type;  // "text/html" (all assets are UTF-8)
  std::string_view bytes;         // empty when the file was missing at build time
};

const std::vector<DashboardAsset>& DashboardAssets();

}  // namespace borgscope
