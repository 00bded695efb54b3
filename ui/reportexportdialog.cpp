#include "ui/reportexportdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QPushButton>
#include <QFormLayout>
#include <QStandardItemModel>
#include <QVBoxLayout>

namespace convlens {

namespace {

constexpr int kDpis[] = {96, 150, 300};

void setItemEnabled(QComboBox* box, int index, bool enabled)
{
    if (auto* model = qobject_cast<QStandardItemModel*>(box->model()))
        if (QStandardItem* item = model->item(index))
            item->setEnabled(enabled);
}

}  // namespace

ReportExportDialog::ReportExportDialog(const ReportExport& initial, bool compareAvailable, bool gridAvailable,
                                       QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Export Report"));
    auto* form = new QFormLayout;
    mPage = new QComboBox(this);
    mPage->addItem(tr("Report card: the map shown, predictions, one layer"));
    mPage->addItem(tr("Full page: every map of this result"));
    mPage->addItem(tr("Methods grid: the grid's methods per top class"));
    mPage->addItem(tr("Compare: the models side by side"));
    setItemEnabled(mPage, static_cast<int>(ReportExport::Page::MethodsGrid), gridAvailable);
    setItemEnabled(mPage, static_cast<int>(ReportExport::Page::Compare), compareAvailable);
    mPage->setCurrentIndex(static_cast<int>(initial.page));
    form->addRow(tr("&Page:"), mPage);

    mFormat = new QComboBox(this);
    mFormat->addItem(tr("PNG image"));
    mFormat->addItem(tr("PDF document"));
    mFormat->setCurrentIndex(initial.pdf ? 1 : 0);
    form->addRow(tr("&Format:"), mFormat);

    mDpi = new QComboBox(this);
    for (int dpi : kDpis) {
        mDpi->addItem(tr("%1 dpi").arg(dpi), dpi);
        if (dpi == initial.dpi)
            mDpi->setCurrentIndex(mDpi->count() - 1);
    }
    mDpi->setToolTip(tr("A4 at 96 dpi is 794 × 1123 pixels, at 300 dpi 2481 × 3508"));
    form->addRow(tr("&Resolution:"), mDpi);

    mPredictions = new QCheckBox(tr("Predictions chart"), this);
    mPredictions->setChecked(initial.predictions);
    mMaps = new QCheckBox(tr("Heatmaps"), this);
    mMaps->setChecked(initial.maps);
    mFeatureMaps = new QCheckBox(tr("Feature maps of the layer shown"), this);
    mFeatureMaps->setChecked(initial.featureMaps);
    auto* sections = new QVBoxLayout;
    sections->addWidget(mPredictions);
    sections->addWidget(mMaps);
    sections->addWidget(mFeatureMaps);
    form->addRow(tr("Sections:"), sections);

    mFullPaths = new QCheckBox(tr("Name the checkpoint by its whole path (else its file name)"), this);
    mFullPaths->setChecked(initial.fullPaths);
    form->addRow(QString(), mFullPaths);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Export…"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);

    connect(mPage, &QComboBox::currentIndexChanged, this, &ReportExportDialog::updateEnabled);
    connect(mFormat, &QComboBox::currentIndexChanged, this, &ReportExportDialog::updateEnabled);
    updateEnabled();
}

void ReportExportDialog::updateEnabled()
{
    const auto page = static_cast<ReportExport::Page>(mPage->currentIndex());
    const bool card = page == ReportExport::Page::Card;
    // The card is one image of its own size; pages come as PNG or PDF, with sections (not the compare page).
    setItemEnabled(mFormat, 1, !card);
    if (card)
        mFormat->setCurrentIndex(0);
    mDpi->setEnabled(!card && mFormat->currentIndex() == 0);
    const bool sections = page == ReportExport::Page::FullPage || page == ReportExport::Page::MethodsGrid;
    mPredictions->setEnabled(sections);
    mMaps->setEnabled(sections);
    mFeatureMaps->setEnabled(sections);
}

ReportExport ReportExportDialog::choice() const
{
    ReportExport c;
    c.page = static_cast<ReportExport::Page>(mPage->currentIndex());
    c.pdf = mFormat->currentIndex() == 1 && c.page != ReportExport::Page::Card;
    c.dpi = mDpi->currentData().toInt();
    c.predictions = mPredictions->isChecked();
    c.maps = mMaps->isChecked();
    c.featureMaps = mFeatureMaps->isChecked();
    c.fullPaths = mFullPaths->isChecked();
    return c;
}

}  // namespace convlens
