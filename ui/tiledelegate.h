#pragma once
// TileDelegate: paints one FeatureMapGrid tile: the channel's pixmap (TileModel's DecorationRole) centred in a
// fixed cell with a hairline frame, and the "ch <n> · <mean>" label below; dead channels are drawn dimmed.
// Every cell has the same size, so the view can lay out thousands of tiles without asking for their pixmaps.
// GUI thread only.

#include <QStyledItemDelegate>

namespace convlens {

class TileDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    explicit TileDelegate(QObject* parent = nullptr);

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    // The size of every cell for labels in `font` (what sizeHint returns).
    static QSize cellSize(const QFont& font);
};

}  // namespace convlens
