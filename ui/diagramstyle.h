#pragma once
// DiagramStyle: the geometry, colours and text formats shared by the network diagram's items (private to
// ui/networkdiagram). Colours come from the scene's palette, so light and dark palettes both work; the category
// colours come from the registry. Plain functions and constants; GUI thread only.

#include <QColor>
#include <QFont>
#include <QPalette>
#include <QString>

#include <cstdint>
#include <vector>

class QPainter;

class QRectF;

namespace convlens::diagram {

// Layout, in scene units (one unit = one pixel at zoom 1).
inline constexpr qreal kNodeWidth = 224;
inline constexpr qreal kNodeHeight = 40;
inline constexpr qreal kNodeRadius = 6;
inline constexpr qreal kFramePadding = 10;
inline constexpr qreal kFrameWidth = kNodeWidth + 2 * kFramePadding;
inline constexpr qreal kFrameRadius = 9;
inline constexpr qreal kHeaderHeight = 28;
inline constexpr qreal kCollapsedHeight = kHeaderHeight + 24;
inline constexpr qreal kBlockGap = 24;  // between blocks of a stage: room for an edge and its label
inline constexpr qreal kStageGap = 28;  // between stages
inline constexpr qreal kTerminalWidth = 132;
inline constexpr qreal kTerminalHeight = 26;
// Inside an expanded block: its layers, the node where its paths merge ("add", "concat"), and the gaps.
inline constexpr qreal kLayerWidth = 184;
inline constexpr qreal kLayerHeight = 30;
inline constexpr qreal kMergeWidth = 96;
inline constexpr qreal kMergeHeight = 24;
inline constexpr qreal kLayerGap = 22;  // between layers (top to bottom): room for an edge and its label
inline constexpr qreal kLaneGap = 24;   // between the main path's layers and the shortcut's
// Left to right, the gaps along the chain hold the edge labels' width.
inline constexpr qreal kWideGap = 76;

// Item kinds, stored as QGraphicsItem::data(kKindRole); the name of the block or stage is data(kNameRole).
enum class ItemKind { Block = 1, Stage = 2, Edge = 3, Terminal = 4, Layer = 5, Merge = 6 };
inline constexpr int kKindRole = 0;
inline constexpr int kNameRole = 1;

// a*(1-t) + b*t per channel.
QColor mix(const QColor& a, const QColor& b, qreal t);
// Black or white, whichever reads better on `background`.
QColor textOn(const QColor& background);
// Dimmed text (for secondary lines) on the palette's base colour.
QColor secondaryText(const QPalette& palette);

// "256×56×56", "1000"; "" for an empty shape.
QString formatShape(const std::vector<int64_t>& shape);
// "25.6 M", "9.4 k", "512"
QString formatCount(int64_t count);
// "1,117,184"
QString formatGrouped(int64_t count);

// The fonts for a block's name, its secondary line, and edge labels, derived from the scene's font.
QFont titleFont(const QFont& base);
QFont detailFont(const QFont& base);

// The "CAM" badge: a small filled pill at the right edge of `node`, in `font`.
void paintCamBadge(QPainter* painter, const QRectF& node, const QFont& font);
// Width the badge takes from the right of a node, with its margin.
inline constexpr qreal kBadgeRoom = 46;

}  // namespace convlens::diagram
