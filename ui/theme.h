#pragma once
// The application's themes: the platform's own style and palette, or Fusion with a light or a dark palette.
// GUI thread only.

#include <QPalette>
#include <QString>

class QMenu;

namespace convlens {

// The dark palette ConvLens uses (also what the widget tests render their dark screenshots with).
QPalette darkPalette();

// "system" (the style and palette the application started with), "light" or "dark"; anything else is "system".
void applyTheme(const QString& theme);

// Adds View ▸ Theme to `menu`: System, Light, Dark, the choice remembered in QSettings ("ui/theme") and applied at
// once; the remembered one is applied now.
void addThemeMenu(QMenu* menu);

}  // namespace convlens
