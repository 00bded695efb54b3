#include "ui/classpicker.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QStringListModel>

namespace convlens {

namespace {

// "cauliflower (938)": the label first (what people search for), the index for those who know it.
QString entry(const std::string& label, int index)
{
    return QStringLiteral("%1 (%2)").arg(QString::fromStdString(label)).arg(index);
}

}  // namespace

ClassPicker::ClassPicker(QWidget* parent) : QWidget(parent)
{
    mField = new QLineEdit(this);
    mField->setObjectName(QStringLiteral("classPicker"));
    mField->setClearButtonEnabled(true);
    mField->setPlaceholderText(tr("Explain another class…"));
    mField->setToolTip(tr("Search every class of the model by name or number, and show its map"));
    mModel = new QStringListModel(this);
    mCompleter = new QCompleter(mModel, this);
    mCompleter->setCaseSensitivity(Qt::CaseInsensitive);
    mCompleter->setFilterMode(Qt::MatchContains);
    mCompleter->setCompletionMode(QCompleter::PopupCompletion);
    mCompleter->setMaxVisibleItems(12);
    mField->setCompleter(mCompleter);
    connect(mCompleter, qOverload<const QString&>(&QCompleter::activated), this, [this](const QString& text) {
        // Deferred: the completer writes the text into the field after this signal.
        QMetaObject::invokeMethod(this, [this, text] { pick(text); }, Qt::QueuedConnection);
    });
    connect(mField, &QLineEdit::returnPressed, this, [this] { pick(mField->text()); });

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(mField);
    setEnabled(false);
}

void ClassPicker::setLabels(const std::vector<std::string>& labels)
{
    mLabels = labels;
    QStringList entries;
    entries.reserve(static_cast<qsizetype>(labels.size()));
    for (size_t i = 0; i < labels.size(); ++i)
        entries << entry(labels[i], static_cast<int>(i));
    mModel->setStringList(entries);
    mField->clear();
    mField->setPlaceholderText(labels.empty() ? tr("Explain another class…")
                                              : tr("Explain another of %L1 classes…").arg(labels.size()));
    setEnabled(!labels.empty());
}

bool ClassPicker::pick(const QString& text)
{
    const QString wanted = text.trimmed();
    for (size_t i = 0; i < mLabels.size(); ++i) {
        const int index = static_cast<int>(i);
        if (wanted == entry(mLabels[i], index) || wanted.compare(QString::fromStdString(mLabels[i]), Qt::CaseInsensitive) == 0 ||
            wanted == QString::number(index)) {
            mField->setText(entry(mLabels[i], index));
            mField->selectAll();
            Q_EMIT classPicked(index);
            return true;
        }
    }
    return false;
}

QStringList ClassPicker::matches(const QString& text) const
{
    QStringList found;
    for (const QString& e : mModel->stringList())
        if (e.contains(text, Qt::CaseInsensitive))
            found << e;
    return found;
}

}  // namespace convlens
