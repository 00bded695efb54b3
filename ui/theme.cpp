#include "ui/theme.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QColor>
#include <QMenu>
#include <QSettings>
#include <QStyle>

#include <utility>

namespace convlens {

QPalette darkPalette()
{
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
    dark.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::Base, QColor(0x1f, 0x20, 0x23));
    dark.setColor(QPalette::AlternateBase, QColor(0x2f, 0x31, 0x36));
    dark.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3c, 0x42));
    dark.setColor(QPalette::ToolTipText, QColor(0xf0, 0xf0, 0xf0));
    dark.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::PlaceholderText, QColor(0x90, 0x90, 0x90));
    dark.setColor(QPalette::Button, QColor(0x35, 0x37, 0x3c));
    dark.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
    dark.setColor(QPalette::BrightText, Qt::white);
    dark.setColor(QPalette::Highlight, QColor(0x3d, 0x8b, 0xd9));
    dark.setColor(QPalette::HighlightedText, Qt::white);
    dark.setColor(QPalette::Link, QColor(0x6c, 0xb0, 0xf0));
    dark.setColor(QPalette::Mid, QColor(0x45, 0x47, 0x4d));
    dark.setColor(QPalette::Dark, QColor(0x1a, 0x1b, 0x1e));
    for (QPalette::ColorRole role : {QPalette::Text, QPalette::ButtonText, QPalette::WindowText})
        dark.setColor(QPalette::Disabled, role, QColor(0x80, 0x80, 0x80));
    return dark;
}

void applyTheme(const QString& theme)
{
    // What the platform gave us, captured before the first change.
    static const QString systemStyle = QApplication::style()->name();
    static const QPalette systemPalette = QApplication::palette();
    if (theme == QLatin1String("dark")) {
        QApplication::setStyle(QStringLiteral("Fusion"));
        QApplication::setPalette(darkPalette());
    } else if (theme == QLatin1String("light")) {
        QApplication::setStyle(QStringLiteral("Fusion"));
        QApplication::setPalette(QApplication::style()->standardPalette());
    } else {
        QApplication::setStyle(systemStyle);
        QApplication::setPalette(systemPalette);
    }
}

void addThemeMenu(QMenu* menu)
{
    QMenu* theme = menu->addMenu(QMenu::tr("&Theme"));
    auto* themes = new QActionGroup(theme);
    const QString current = QSettings().value(QStringLiteral("ui/theme"), QStringLiteral("system")).toString();
    for (const auto& [id, name] : {std::pair{QStringLiteral("system"), QMenu::tr("System")},
                                   std::pair{QStringLiteral("light"), QMenu::tr("Light")},
                                   std::pair{QStringLiteral("dark"), QMenu::tr("Dark")}}) {
        QAction* action = theme->addAction(name, theme, [id = id] {
            applyTheme(id);
            QSettings().setValue(QStringLiteral("ui/theme"), id);
        });
        action->setCheckable(true);
        action->setChecked(id == current);
        themes->addAction(action);
    }
    if (current != QLatin1String("system"))
        applyTheme(current);
}

}  // namespace convlens
