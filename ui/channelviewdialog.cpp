#include "ui/channelviewdialog.h"

#include "ui/colorbarwidget.h"
#include "ui/tilemodel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QPainter>
#include <QPushButton>
#include <QShortcut>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QVBoxLayout>

#include <algorithm>

namespace convlens {
namespace {

constexpr int kViewSide = 448;

// Combo box order; index 0 is gray, the rest are Colormap values.
const Colormap kMaps[] = {Colormap::Jet, Colormap::Turbo, Colormap::Viridis, Colormap::Inferno};

QImage colourise(const QImage& gray, int mapIndex)
{
    const QImage source = gray.convertToFormat(QImage::Format_Grayscale8);
    if (mapIndex <= 0)
        return source.convertToFormat(QImage::Format_RGB32);
    const Colormap map = kMaps[mapIndex - 1];
    QRgb lut[256];
    for (int v = 0; v < 256; ++v)
        lut[v] = colormapColor(map, static_cast<float>(v) / 255.0f);
    QImage out(source.size(), QImage::Format_RGB32);
    for (int y = 0; y < source.height(); ++y) {
        const uchar* in = source.constScanLine(y);
        auto* row = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < source.width(); ++x)
            row[x] = lut[in[x]];
    }
    return out;
}

}  // namespace

ChannelViewDialog::ChannelViewDialog(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Channel"));

    mTitle = new QLabel(this);
    QFont titleFont = mTitle->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    titleFont.setWeight(QFont::DemiBold);
    mTitle->setFont(titleFont);

    mImage = new QLabel(this);
    mImage->setAlignment(Qt::AlignCenter);
    mImage->setMinimumSize(kViewSide, kViewSide);
    mImage->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);

    mColormap = new QComboBox(this);
    mColormap->addItem(tr("Gray"));
    for (Colormap map : kMaps) {
        const QString name = colormapName(map);
        mColormap->addItem(name.left(1).toUpper() + name.mid(1));
    }
    mBar = new ColorBarWidget(this);
    mBar->setGrayscale(true);
    mBar->setToolTip(tr("The values black and white (or the ends of the colormap) stand for"));

    mStats = new QLabel(this);
    mStats->setTextFormat(Qt::PlainText);
    mStats->setForegroundRole(QPalette::PlaceholderText);

    mOverPhoto = new QCheckBox(tr("Over the &photo"), this);
    mOverPhoto->setObjectName(QStringLiteral("overPhoto"));
    mOverPhoto->setToolTip(tr("Lay the channel over the image the network saw, to see where it fires"));
    connect(mOverPhoto, &QCheckBox::toggled, this, [this](bool on) {
        if (on && mColormap->currentIndex() == 0)
            mColormap->setCurrentIndex(1);  // gray over a photo reads as a haze: jet
        render();
    });
    mPrevious = new QPushButton(tr("◀ Previous"), this);
    mPrevious->setObjectName(QStringLiteral("previousChannel"));
    mNext = new QPushButton(tr("Next ▶"), this);
    mNext->setObjectName(QStringLiteral("nextChannel"));
    connect(mPrevious, &QPushButton::clicked, this, &ChannelViewDialog::showPrevious);
    connect(mNext, &QPushButton::clicked, this, &ChannelViewDialog::showNext);
    auto* left = new QShortcut(QKeySequence(Qt::Key_Left), this);
    connect(left, &QShortcut::activated, this, &ChannelViewDialog::showPrevious);
    auto* right = new QShortcut(QKeySequence(Qt::Key_Right), this);
    connect(right, &QShortcut::activated, this, &ChannelViewDialog::showNext);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* bottomRow = new QHBoxLayout;
    bottomRow->setSpacing(8);
    auto* mapLabel = new QLabel(tr("Colormap"), this);
    mapLabel->setBuddy(mColormap);
    bottomRow->addWidget(mapLabel);
    bottomRow->addWidget(mColormap);
    bottomRow->addSpacing(8);
    bottomRow->addWidget(mOverPhoto);
    bottomRow->addStretch(1);
    bottomRow->addWidget(mPrevious);
    bottomRow->addWidget(mNext);
    bottomRow->addSpacing(8);
    bottomRow->addWidget(buttons);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 14, 16, 12);
    layout->setSpacing(6);
    layout->addWidget(mTitle);
    layout->addWidget(mStats);
    layout->addSpacing(4);
    layout->addWidget(mImage, 1);
    layout->addSpacing(2);
    layout->addWidget(mBar);
    layout->addSpacing(6);
    layout->addLayout(bottomRow);

    connect(mColormap, &QComboBox::currentIndexChanged, this, [this](int index) {
        mBar->setGrayscale(index <= 0);
        if (index > 0)
            mBar->setColormap(kMaps[index - 1]);
        render();
    });
}

void ChannelViewDialog::setChannel(ResultPtr result, const LayerResult* layer, int tileIndex, bool sharedScale)
{
    const bool valid = layer && tileIndex >= 0 && tileIndex < static_cast<int>(layer->tiles.size());
    mResult = valid ? std::move(result) : ResultPtr();
    mLayer = valid ? layer : nullptr;
    mTile = valid ? tileIndex : -1;
    mSharedScale = sharedScale;
    render();
}

int ChannelViewDialog::channel() const
{
    return mLayer ? mLayer->tiles[static_cast<size_t>(mTile)].channel : -1;
}

bool ChannelViewDialog::showNext()
{
    if (!mLayer || mTile + 1 >= static_cast<int>(mLayer->tiles.size()))
        return false;
    ++mTile;
    render();
    Q_EMIT tileChanged(mTile);
    return true;
}

bool ChannelViewDialog::showPrevious()
{
    if (!mLayer || mTile <= 0)
        return false;
    --mTile;
    render();
    Q_EMIT tileChanged(mTile);
    return true;
}

void ChannelViewDialog::setOverPhoto(bool over)
{
    mOverPhoto->setChecked(over);
}

void ChannelViewDialog::setColormapIndex(int index)
{
    mColormap->setCurrentIndex(std::clamp(index, 0, mColormap->count() - 1));
}

void ChannelViewDialog::render()
{
    mPrevious->setEnabled(mLayer && mTile > 0);
    mNext->setEnabled(mLayer && mTile + 1 < static_cast<int>(mLayer->tiles.size()));
    mOverPhoto->setEnabled(mResult && !mResult->input.isNull());
    if (!mLayer) {
        mTitle->setText(tr("No channel"));
        mImage->clear();
        mStats->clear();
        mShown = QImage();
        return;
    }
    mNext->setToolTip(tr("Channel %1 of the %2 shown, strongest first (→)").arg(mTile + 1).arg(mLayer->tiles.size()));
    mPrevious->setToolTip(mNext->toolTip().replace(QStringLiteral("→"), QStringLiteral("←")));
    const ChannelTile& tile = mLayer->tiles[static_cast<size_t>(mTile)];
    const QString layerName = QString::fromStdString(mLayer->name);
    setWindowTitle(tr("%1 · channel %2").arg(layerName).arg(tile.channel));
    mTitle->setText(tr("%1 · channel %2").arg(layerName).arg(tile.channel));

    const QImage coloured = colourise(TileModel::tileImage(tile, mSharedScale), mColormap->currentIndex());
    const int longest = std::max(1, std::max(coloured.width(), coloured.height()));
    if (mOverPhoto->isChecked() && mOverPhoto->isEnabled()) {
        // The channel's map smoothly upscaled over the photo, half transparent: where in the image it fires.
        const QImage photo = mResult->input.scaled(kViewSide, kViewSide, Qt::KeepAspectRatio, Qt::SmoothTransformation)
                                 .convertToFormat(QImage::Format_RGB32);
        mShown = photo;
        QPainter painter(&mShown);
        painter.setOpacity(0.55);
        painter.setRenderHint(QPainter::SmoothPixmapTransform);
        painter.drawImage(mShown.rect(), coloured);
        painter.end();
    } else if (longest <= kViewSide) {
        const int factor = kViewSide / longest;
        mShown = coloured.scaled(coloured.width() * factor, coloured.height() * factor, Qt::IgnoreAspectRatio,
                                 Qt::FastTransformation);
    } else {
        mShown = coloured.scaled(kViewSide, kViewSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
    mImage->setPixmap(QPixmap::fromImage(mShown));

    const bool known = tile.channel >= 0 && tile.channel < static_cast<int>(mLayer->channels.size());
    const ChannelStats stats = known ? mLayer->channels[static_cast<size_t>(tile.channel)] : ChannelStats{tile.mean};
    const QString low = TileModel::lowValueText(*mLayer, stats, mSharedScale);
    const QString high = TileModel::highValueText(*mLayer, stats, mSharedScale);
    mBar->setLabels(low, high);
    mBar->setCaption(mSharedScale ? tr("value range shared by the layer") : tr("value range of this channel"));
    QString text = tr("%1 × %2  ·  mean %3  ·  max %4  ·  sparsity %5 %")
                       .arg(tile.image.width())
                       .arg(tile.image.height())
                       .arg(TileModel::formatValue(stats.mean), TileModel::formatValue(stats.max))
                       .arg(stats.sparsity * 100.0, 0, 'f', 1);
    if (stats.dead)
        text += tr("  ·  dead channel (constant output)");
    mStats->setText(text);
}

}  // namespace convlens
