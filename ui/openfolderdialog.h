#pragma once
// OpenFolderDialog: File ▸ Open Folder… — the folder of a batch, whether its sub-folders count, which image types
// are taken, and which models the batch runs (the compare set in compare mode, else the current model; shown, not
// chosen here). GUI thread only.

#include "core/batch/batchfiles.h"

#include <QDialog>
#include <QString>
#include <QStringList>

#include <utility>
#include <vector>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace convlens {

class OpenFolderDialog : public QDialog {
    Q_OBJECT

public:
    // `listing`: the choices shown first (suffixes empty: every type). `models`: the display names of the models.
    OpenFolderDialog(const QString& folder, const ListOptions& listing, const QStringList& models,
                     QWidget* parent = nullptr);

    QString folder() const;
    void setFolder(const QString& folder);
    // The choices made: recursive, and the suffixes (empty when every type is checked).
    ListOptions listing() const;

private:
    void browse();
    void updateButtons();

    QLineEdit* mFolder = nullptr;
    QCheckBox* mRecursive = nullptr;
    std::vector<std::pair<QCheckBox*, QStringList>> mTypes;  // check box → its suffixes
    QPushButton* mStart = nullptr;
};

}  // namespace convlens
