#pragma once
// CompareModelsDialog: pick the models to analyse side by side, one check box per registry model.
// GUI thread only.

#include "core/registry/modelspec.h"

#include <QDialog>
#include <QStringList>

#include <vector>

class QListWidget;

namespace convlens {

class CompareModelsDialog : public QDialog {
    Q_OBJECT

public:
    // `checked`: the ids ticked when the dialog opens.
    CompareModelsDialog(const std::vector<ModelSpec>& models, const QStringList& checked, QWidget* parent = nullptr);

    // The ids ticked, in registry order.
    QStringList chosen() const;

private:
    QListWidget* mList = nullptr;
};

}  // namespace convlens
