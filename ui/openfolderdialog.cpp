#include "ui/openfolderdialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

#include <algorithm>

namespace convlens {

OpenFolderDialog::OpenFolderDialog(const QString& folder, const ListOptions& listing, const QStringList& models,
                                   QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Open Folder"));
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);

    mFolder = new QLineEdit(QDir::toNativeSeparators(folder), this);
    mFolder->setPlaceholderText(tr("The folder of images to run"));
    mFolder->setMinimumWidth(360);
    mFolder->setAccessibleName(tr("Folder"));
    connect(mFolder, &QLineEdit::textChanged, this, &OpenFolderDialog::updateButtons);
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, &OpenFolderDialog::browse);
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(mFolder, 1);
    folderRow->addWidget(browse);
    auto* folderLabel = new QLabel(tr("&Folder:"), this);
    folderLabel->setBuddy(mFolder);
    form->addRow(folderLabel, folderRow);

    mRecursive = new QCheckBox(tr("Include &sub-folders"), this);
    mRecursive->setChecked(listing.recursive);
    mRecursive->setToolTip(
        tr("Also the images in folders inside it. A folder named like an ImageNet class "
           "(n02123045, or a class name) gives its images' true class."));
    form->addRow(QString(), mRecursive);

    // The types Qt can read here, grouped as people name them; whatever is left is "Other".
    const QStringList readable = readableImageSuffixes();
    const std::vector<std::pair<QString, QStringList>> groups = {
        {QStringLiteral("JPEG"), {QStringLiteral("jpg"), QStringLiteral("jpeg")}},
        {QStringLiteral("PNG"), {QStringLiteral("png")}},
        {QStringLiteral("WebP"), {QStringLiteral("webp")}},
        {QStringLiteral("BMP"), {QStringLiteral("bmp")}},
        {QStringLiteral("TIFF"), {QStringLiteral("tif"), QStringLiteral("tiff")}},
        {QStringLiteral("GIF"), {QStringLiteral("gif")}},
    };
    QStringList other = readable;
    auto* types = new QGridLayout;
    types->setContentsMargins(0, 0, 0, 0);
    types->setHorizontalSpacing(12);
    auto addType = [&](const QString& name, const QStringList& suffixes) {
        auto* box = new QCheckBox(name, this);
        box->setToolTip(suffixes.join(QStringLiteral(", ")));
        box->setChecked(listing.suffixes.isEmpty() ||
                        std::any_of(suffixes.begin(), suffixes.end(),
                                    [&listing](const QString& s) { return listing.suffixes.contains(s); }));
        connect(box, &QCheckBox::toggled, this, &OpenFolderDialog::updateButtons);
        const int index = int(mTypes.size());
        types->addWidget(box, index / 4, index % 4);
        mTypes.emplace_back(box, suffixes);
    };
    for (const auto& [name, suffixes] : groups) {
        QStringList present;
        for (const QString& suffix : suffixes)
            if (readable.contains(suffix))
                present << suffix;
        for (const QString& suffix : present)
            other.removeAll(suffix);
        if (!present.isEmpty())
            addType(name, present);
    }
    if (!other.isEmpty())
        addType(tr("Other"), other);
    form->addRow(tr("Image types:"), types);

    // Three names a line (a word-wrapped label in a form gets too little height).
    QStringList lines;
    for (int i = 0; i < models.size(); i += 3)
        lines << models.mid(i, 3).join(QStringLiteral(", "));
    auto* modelsLabel = new QLabel(lines.join(QStringLiteral(",\n")), this);
    modelsLabel->setToolTip(tr("The current model, or the compare set when compare mode is on"));
    form->addRow(tr("Models:"), modelsLabel);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    mStart = buttons->addButton(tr("Start Batch"), QDialogButtonBox::AcceptRole);
    mStart->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    updateButtons();
}

QString OpenFolderDialog::folder() const
{
    return QDir::fromNativeSeparators(mFolder->text().trimmed());
}

void OpenFolderDialog::setFolder(const QString& folder)
{
    mFolder->setText(QDir::toNativeSeparators(folder));
}

ListOptions OpenFolderDialog::listing() const
{
    ListOptions listing;
    listing.recursive = mRecursive->isChecked();
    bool all = true;
    for (const auto& [box, suffixes] : mTypes) {
        if (box->isChecked())
            listing.suffixes << suffixes;
        else
            all = false;
    }
    if (all)
        listing.suffixes.clear();
    return listing;
}

void OpenFolderDialog::browse()
{
    const QString chosen = QFileDialog::getExistingDirectory(this, tr("Open Folder"), folder());
    if (!chosen.isEmpty())
        setFolder(chosen);
}

void OpenFolderDialog::updateButtons()
{
    const bool anyType =
        std::any_of(mTypes.begin(), mTypes.end(), [](const auto& type) { return type.first->isChecked(); });
    mStart->setEnabled(anyType && QFileInfo(folder()).isDir());
}

}  // namespace convlens
