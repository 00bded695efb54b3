#include "ui/comparemodelsdialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

namespace convlens {

CompareModelsDialog::CompareModelsDialog(const std::vector<ModelSpec>& models, const QStringList& checked,
                                         QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Compare Models"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Analyse the image with each of these models, side by side:"), this));
    mList = new QListWidget(this);
    for (const ModelSpec& model : models) {
        const QString id = QString::fromStdString(model.id);
        auto* item = new QListWidgetItem(QString::fromStdString(model.displayName), mList);
        item->setData(Qt::UserRole, id);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(checked.contains(id) ? Qt::Checked : Qt::Unchecked);
    }
    layout->addWidget(mList);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

QStringList CompareModelsDialog::chosen() const
{
    QStringList ids;
    for (int i = 0; i < mList->count(); ++i)
        if (mList->item(i)->checkState() == Qt::Checked)
            ids << mList->item(i)->data(Qt::UserRole).toString();
    return ids;
}

}  // namespace convlens
