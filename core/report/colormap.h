#pragma once
// Colormaps for heatmaps and the overlay of a heatmap on the image the network saw. Plain Qt; any thread.

#include <QImage>
#include <QRgb>
#include <QString>

#include <optional>
#include <vector>

namespace convlens {

enum class Colormap { Jet, Turbo, Viridis, Inferno };

// "jet", "turbo", "viridis", "inferno" ↔ Colormap.
QString colormapName(Colormap map);
std::optional<Colormap> colormapFromName(const QString& name);

// The colour of `value` in [0,1] (clamped).
QRgb colormapColor(Colormap map, float value);

// A horizontal colour bar, low values on the left.
QImage colorBar(Colormap map, int width, int height);

// A heatmap (row-major size×size values in [0,1]) coloured with `map`.
QImage heatmapImage(const std::vector<float>& heatmap, int size, Colormap map);

// The heatmap blended over `rgb` (which must be size×size): out = (1-opacity)·image + opacity·colour.
// Returns a null image when the sizes disagree.
QImage overlayHeatmap(const QImage& rgb, const std::vector<float>& heatmap, int size, Colormap map, float opacity);

}  // namespace convlens
