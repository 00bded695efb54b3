#include "ui/settingsdialog.h"

#include "core/inspect/methodcatalogue.h"
#include "core/report/colormap.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QMap>
#include <QPixmap>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace convlens {

namespace {

QString colormapDisplayName(Colormap map)
{
    QString name = colormapName(map);
    if (!name.isEmpty())
        name[0] = name[0].toUpper();
    return name;
}

// "" when `text` is empty or an absolute http(s)/file URL; otherwise what is wrong with it.
QString mirrorProblem(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return {};
    const QUrl url(trimmed, QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || url.isRelative())
        return SettingsDialog::tr("Not a URL: try https://host/models");
    if (scheme != QStringLiteral("http") && scheme != QStringLiteral("https") && scheme != QStringLiteral("file"))
        return SettingsDialog::tr("Use an http://, https:// or file:// URL");
    if (scheme != QStringLiteral("file") && url.host().isEmpty())
        return SettingsDialog::tr("The URL has no host name");
    return {};
}

QLabel* makeHint(QWidget* parent)
{
    auto* hint = new QLabel(parent);
    hint->setForegroundRole(QPalette::PlaceholderText);
    QFont font = hint->font();
    font.setPointSizeF(font.pointSizeF() * 0.9);
    hint->setFont(font);
    return hint;
}

}  // namespace

SettingsDialog::SettingsDialog(const AppSettings& settings, const QStringList& devices, QWidget* parent)
    : QDialog(parent), mSettings(settings)
{
    setWindowTitle(tr("ConvLens Settings"));
    const int cores = std::max(1, QThread::idealThreadCount());

    // Performance
    mThreads = new QSpinBox(this);
    mThreads->setObjectName(QStringLiteral("threads"));
    mThreads->setRange(0, std::max(cores * 2, 64));
    mThreads->setSpecialValueText(tr("Automatic (up to %1)").arg(cores));
    mThreads->setToolTip(
        tr("Threads one inference uses. Automatic: all cores, less those other programs keep busy, chosen for each "
           "analysis. Takes effect for the next analysis."));

    mDevice = new QComboBox(this);
    mDevice->setObjectName(QStringLiteral("device"));
    for (const QString& device : devices)
        mDevice->addItem(device == QLatin1String("cpu") ? tr("CPU") : tr("GPU (%1)").arg(device), device);
    if (mDevice->findData(settings.device) < 0)
        mDevice->addItem(tr("%1 (not available here)").arg(settings.device), settings.device);
    mDevice->setToolTip(tr("Where inference runs. A GPU needs ConvLens built against a LibTorch with CUDA (see the "
                           "README). Takes effect for the next analysis."));

    mCacheItems = new QSpinBox(this);
    mCacheItems->setObjectName(QStringLiteral("cacheItems"));
    mCacheItems->setRange(0, 10000);
    mCacheItems->setSingleStep(10);
    mCacheItems->setSuffix(tr(" results"));
    mCacheItems->setSpecialValueText(tr("Off"));
    mCacheItems->setToolTip(tr("Analyses kept in memory, so going back to an image or model is instant."));

    mDiskCache = new QCheckBox(tr("Keep results on disk across restarts"), this);
    mDiskCache->setObjectName(QStringLiteral("diskCache"));

    auto* performance = new QGroupBox(tr("Performance"), this);
    auto* performanceForm = new QFormLayout(performance);
    performanceForm->addRow(tr("Inference &threads:"), mThreads);
    performanceForm->addRow(tr("Compute &device:"), mDevice);
    performanceForm->addRow(tr("Results &cache:"), mCacheItems);
    performanceForm->addRow(QString(), mDiskCache);

    // Display
    mTopK = new QSpinBox(this);
    mTopK->setObjectName(QStringLiteral("topK"));
    mTopK->setRange(1, 20);
    mTopK->setSuffix(tr(" classes"));

    mTiles = new QSpinBox(this);
    mTiles->setObjectName(QStringLiteral("tilesPerLayer"));
    mTiles->setRange(0, 4096);
    mTiles->setSingleStep(8);
    mTiles->setSpecialValueText(tr("All channels"));
    mTiles->setToolTip(tr("Feature maps shown per layer, most active first; \"All channels\" shows every one."));

    mColormap = new QComboBox(this);
    mColormap->setObjectName(QStringLiteral("colormap"));
    mColormap->setIconSize(QSize(48, 12));
    for (Colormap map : {Colormap::Jet, Colormap::Turbo, Colormap::Viridis, Colormap::Inferno})
        mColormap->addItem(QIcon(QPixmap::fromImage(colorBar(map, 48, 12))), colormapDisplayName(map),
                           colormapName(map));

    mMethod = new QComboBox(this);
    mMethod->setObjectName(QStringLiteral("method"));
    for (const MethodInfo& method : methodCatalogue()) {
        mMethod->addItem(method.name, QString::fromStdString(method.id));
        mMethod->setItemData(mMethod->count() - 1, method.description, Qt::ToolTipRole);
    }

    auto* display = new QGroupBox(tr("Display"), this);
    auto* displayForm = new QFormLayout(display);
    displayForm->addRow(tr("Top-&K predictions:"), mTopK);
    displayForm->addRow(tr("&Tiles per layer:"), mTiles);
    displayForm->addRow(tr("Default c&olormap:"), mColormap);
    displayForm->addRow(tr("Default &method:"), mMethod);

    // Methods: how they run (MethodOptions)
    mAugSmooth = new QCheckBox(tr("&Aug smooth"), this);
    mAugSmooth->setObjectName(QStringLiteral("augSmooth"));
    mAugSmooth->setToolTip(tr("Layer CAM methods: the mean map over the image flipped and at 0.9, 1 and 1.1 "
                              "intensity (pytorch-grad-cam's aug_smooth). Six passes: slower, smoother."));
    mEigenSmooth = new QCheckBox(tr("&Eigen smooth"), this);
    mEigenSmooth->setObjectName(QStringLiteral("eigenSmooth"));
    mEigenSmooth->setToolTip(tr("Layer CAM methods: the first principal component of the weighted activations "
                                "instead of their sum (pytorch-grad-cam's eigen_smooth). Less noise."));
    mIgSteps = new QSpinBox(this);
    mIgSteps->setObjectName(QStringLiteral("integratedGradientsSteps"));
    mIgSteps->setRange(2, kMaxIntegratedGradientsSteps);
    mIgSteps->setSuffix(tr(" steps"));
    mIgSteps->setToolTip(tr("Points on Integrated Gradients' path: more is more exact (see the convergence δ) "
                            "and slower."));
    mIgBaseline = new QComboBox(this);
    mIgBaseline->setObjectName(QStringLiteral("integratedGradientsBaseline"));
    mIgBaseline->addItem(tr("Black image"), QStringLiteral("black"));
    mIgBaseline->addItem(tr("Blurred image"), QStringLiteral("blurred"));
    mIgBaseline->addItem(tr("Mean image"), QStringLiteral("mean"));
    mIgBaseline->setToolTip(tr("Where Integrated Gradients' path starts: what the image is compared with."));
    mOcclusionWindow = new QSpinBox(this);
    mOcclusionWindow->setObjectName(QStringLiteral("occlusionWindow"));
    mOcclusionWindow->setRange(1, 1024);
    mOcclusionWindow->setSuffix(tr(" px"));
    mOcclusionWindow->setToolTip(tr("Side of the square Occlusion greys out, in pixels of the model's crop."));
    mOcclusionStride = new QSpinBox(this);
    mOcclusionStride->setObjectName(QStringLiteral("occlusionStride"));
    mOcclusionStride->setRange(1, 1024);
    mOcclusionStride->setSuffix(tr(" px"));
    mOcclusionStride->setToolTip(tr("How far Occlusion's window moves each step: smaller is finer and slower."));
    mRoad = new QCheckBox(tr("Measure &ROAD for every map"), this);
    mRoad->setObjectName(QStringLiteral("road"));
    mRoad->setToolTip(tr("Remove and debias: each map's most and least relevant pixels imputed at 9 percentiles "
                         "and the class's confidence measured again (18 images per map). Compares methods on "
                         "this image."));
    auto* methods = new QGroupBox(tr("Methods"), this);
    auto* methodsForm = new QFormLayout(methods);
    methodsForm->addRow(tr("Layer maps:"), mAugSmooth);
    methodsForm->addRow(QString(), mEigenSmooth);
    methodsForm->addRow(tr("&Integrated Gradients:"), mIgSteps);
    methodsForm->addRow(tr("&Baseline:"), mIgBaseline);
    methodsForm->addRow(tr("&Occlusion window:"), mOcclusionWindow);
    methodsForm->addRow(tr("Occlusion &stride:"), mOcclusionStride);
    methodsForm->addRow(tr("Faithfulness:"), mRoad);
    methodsForm->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    methodsForm->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);

    // Weights
    mWeightsDir = new QLineEdit(this);
    mWeightsDir->setObjectName(QStringLiteral("weightsDir"));
    mWeightsDir->setPlaceholderText(tr("None: torch hub cache only"));
    mWeightsDir->setClearButtonEnabled(true);
    auto* browse = new QPushButton(tr("&Browse…"), this);
    browse->setObjectName(QStringLiteral("browseWeightsDir"));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Weights Folder"), mWeightsDir->text());
        if (!dir.isEmpty())
            mWeightsDir->setText(QDir::toNativeSeparators(dir));
    });
    auto* dirRow = new QHBoxLayout;
    dirRow->addWidget(mWeightsDir, 1);
    dirRow->addWidget(browse);
    auto* dirHint = makeHint(this);
    dirHint->setText(tr("Searched before the torch hub cache; downloads go here."));

    mMirror = new QLineEdit(this);
    mMirror->setObjectName(QStringLiteral("mirror"));
    mMirror->setPlaceholderText(tr("None: download.pytorch.org"));
    mMirror->setClearButtonEnabled(true);
    auto* mirrorHint = makeHint(this);
    mirrorHint->setObjectName(QStringLiteral("mirrorHint"));
    const QString mirrorHelp =
        tr("Base URL that replaces download.pytorch.org/models.\n"
           "CONVLENS_WEIGHTS_MIRROR, when set, takes precedence.");
    mirrorHint->setText(mirrorHelp);

    auto* weights = new QGroupBox(tr("Weights"), this);
    auto* weightsForm = new QFormLayout(weights);
    auto* dirLabel = new QLabel(tr("&Weights folder:"), this);
    dirLabel->setBuddy(mWeightsDir);
    weightsForm->addRow(dirLabel, dirRow);
    weightsForm->addRow(QString(), dirHint);
    weightsForm->addRow(tr("Download mi&rror:"), mMirror);
    weightsForm->addRow(QString(), mirrorHint);

    for (QFormLayout* form : {performanceForm, displayForm, weightsForm}) {
        form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
        form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    // Same label column width in every group, so the fields line up down the dialog.
    int labelWidth = 0;
    for (QFormLayout* form : {performanceForm, displayForm, weightsForm})
        for (int row = 0; row < form->rowCount(); ++row)
            if (QLayoutItem* item = form->itemAt(row, QFormLayout::LabelRole))
                labelWidth = std::max(labelWidth, item->sizeHint().width());
    for (QFormLayout* form : {performanceForm, displayForm, weightsForm}) {
        for (int row = 0; row < form->rowCount(); ++row) {
            if (QLayoutItem* item = form->itemAt(row, QFormLayout::LabelRole); item && item->widget()) {
                item->widget()->setMinimumWidth(labelWidth);
                if (auto* label = qobject_cast<QLabel*>(item->widget()))
                    label->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
            }
        }
    }
    // The short fields share one width, so their right edges line up too.
    const QList<QWidget*> shortFields = {mThreads, mDevice, mCacheItems, mTopK, mTiles, mColormap, mMethod};
    int fieldWidth = 0;
    for (QWidget* w : shortFields)
        fieldWidth = std::max(fieldWidth, w->sizeHint().width());
    for (QWidget* w : shortFields)
        w->setFixedWidth(fieldWidth);

    auto* buttons =
        new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this, [this] {
        AppSettings defaults;
        defaults.weightsDir = mWeightsDir->text();  // a folder is the user's data, not a preference to reset
        showSettings(defaults);
    });

    // A mistyped mirror would only surface as a failed download later; say so here and hold OK back.
    QPushButton* ok = buttons->button(QDialogButtonBox::Ok);
    connect(mMirror, &QLineEdit::textChanged, this, [mirrorHint, mirrorHelp, ok](const QString& text) {
        const QString problem = mirrorProblem(text);
        mirrorHint->setText(problem.isEmpty() ? mirrorHelp : problem);
        mirrorHint->setForegroundRole(problem.isEmpty() ? QPalette::PlaceholderText : QPalette::Text);
        QFont font = mirrorHint->font();
        font.setBold(!problem.isEmpty());
        mirrorHint->setFont(font);
        ok->setEnabled(problem.isEmpty());
    });

    // Two columns, so the dialog fits a 720-pixel screen: what runs where on the left, how the methods run on the
    // right.
    auto* layout = new QVBoxLayout(this);
    auto* columns = new QHBoxLayout;
    auto* left = new QVBoxLayout;
    left->addWidget(performance);
    left->addWidget(display);
    columns->addLayout(left, 1);
    columns->addWidget(methods, 1);
    layout->addLayout(columns);
    layout->addWidget(weights);
    layout->addSpacing(4);
    layout->addWidget(buttons);

    showSettings(settings);
    setMinimumWidth(std::max(minimumSizeHint().width(), 540));
    resize(minimumWidth(), sizeHint().height());
}

void SettingsDialog::showSettings(const AppSettings& settings)
{
    mThreads->setValue(settings.threads);
    const int device = mDevice->findData(settings.device);
    mDevice->setCurrentIndex(device >= 0 ? device : 0);
    mCacheItems->setValue(settings.cacheItems);
    mDiskCache->setChecked(settings.diskCache);
    mTopK->setValue(settings.topK);
    mTiles->setValue(settings.tilesPerLayer);
    const int colormap = mColormap->findData(settings.colormap);
    mColormap->setCurrentIndex(colormap >= 0 ? colormap : 0);
    const int method = mMethod->findData(settings.method);
    mMethod->setCurrentIndex(method >= 0 ? method : 0);
    const MethodOptions& m = settings.methodOptions;
    mAugSmooth->setChecked(m.augSmooth);
    mEigenSmooth->setChecked(m.eigenSmooth);
    mIgSteps->setValue(m.integratedGradientsSteps);
    const int baseline = mIgBaseline->findData(QString::fromStdString(m.integratedGradientsBaseline));
    mIgBaseline->setCurrentIndex(baseline >= 0 ? baseline : 0);
    mOcclusionWindow->setValue(m.occlusionWindow);
    mOcclusionStride->setValue(m.occlusionStride);
    mRoad->setChecked(m.road);
    mWeightsDir->setText(QDir::toNativeSeparators(settings.weightsDir));
    mMirror->setText(settings.mirror);
}

AppSettings SettingsDialog::settings() const
{
    AppSettings s = mSettings;
    s.threads = mThreads->value();
    if (mDevice->currentIndex() >= 0)
        s.device = mDevice->currentData().toString();
    s.cacheItems = mCacheItems->value();
    s.diskCache = mDiskCache->isChecked();
    s.topK = mTopK->value();
    s.tilesPerLayer = mTiles->value();
    if (mColormap->currentIndex() >= 0)
        s.colormap = mColormap->currentData().toString();
    if (mMethod->currentIndex() >= 0)
        s.method = mMethod->currentData().toString();
    MethodOptions& m = s.methodOptions;
    m.augSmooth = mAugSmooth->isChecked();
    m.eigenSmooth = mEigenSmooth->isChecked();
    m.integratedGradientsSteps = mIgSteps->value();
    if (mIgBaseline->currentIndex() >= 0)
        m.integratedGradientsBaseline = mIgBaseline->currentData().toString().toStdString();
    m.occlusionWindow = mOcclusionWindow->value();
    m.occlusionStride = mOcclusionStride->value();
    m.road = mRoad->isChecked();
    s.weightsDir = QDir::fromNativeSeparators(mWeightsDir->text().trimmed());
    s.mirror = mMirror->text().trimmed();
    return s;
}

}  // namespace convlens
