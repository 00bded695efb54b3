#pragma once
// The application's themes: the platform's own style and palette, or Fusion with a light or a dark palette.
// GUI thread only.

#include <QPalette>
#include <QString>

namespace convlens {

// The dark palette ConvLens uses (also what the widget tests render their dark screenshots with).
QPalette darkPalette();

// "system" (the style and palette the application started with), "light" or "dark"; anything else is "system".
void applyTheme(const QString& theme);

}  // namespace convlens
