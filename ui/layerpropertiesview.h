#pragma once
// LayerPropertiesView: what Netron shows of a node, for the block selected in the network diagram — its type,
// stage, output shape, parameters and multiply-adds, the same totals for its stage and the network, and a table of
// its layers (type, kernel/stride/padding/groups, weight shape, output shape, parameters, multiply-adds at the
// model's crop size; core/inspect/networkdescription.h). Shows a description; asks for nothing. GUI thread only.

#include "core/inspect/networkdescription.h"

#include <QString>
#include <QWidget>

#include <memory>

class QLabel;
class QTreeWidget;

namespace convlens {

class LayerPropertiesView : public QWidget {
    Q_OBJECT

public:
    explicit LayerPropertiesView(QWidget* parent = nullptr);

    // The network whose blocks are shown; null clears the view.
    void setDescription(std::shared_ptr<const NetworkDescription> description);
    // The block (or a stage's last block) shown; unknown names show the network's totals only.
    void showBlock(const QString& block);
    QString block() const { return mBlock; }

    QString summary() const;  // the text above the table (tests)
    QTreeWidget* table() const { return mTable; }

    // "4.09 G", "231 M", "12 k": multiply-adds for display.
    static QString formatMacs(int64_t macs);

private:
    std::shared_ptr<const NetworkDescription> mDescription;
    QString mBlock;
    QLabel* mSummary = nullptr;
    QTreeWidget* mTable = nullptr;
};

}  // namespace convlens
