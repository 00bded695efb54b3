#include "ui/overlaycell.h"

#include "ui/jobstatuswidget.h"

#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QProgressBar>
#include <QVBoxLayout>

#include <algorithm>

namespace convlens {

OverlayCell::OverlayCell(const QString& title, QWidget* parent) : QFrame(parent)
{
    setFrameShape(QFrame::StyledPanel);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(4);
    mTitle = new QLabel(this);
    setTitle(title);
    mBanner = new QLabel(this);
    mBanner->setWordWrap(true);
    mBanner->setStyleSheet(QStringLiteral("color: #c0392b; font-weight: bold;"));
    mBanner->hide();
    mImage = new QLabel(this);
    mImage->setAlignment(Qt::AlignCenter);
    mImage->setMinimumSize(96, 96);
    mImage->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    mProgress = new QProgressBar(this);
    mProgress->setRange(0, 1000);
    mProgress->setFormat(tr("queued"));
    mText = new QLabel(this);
    mText->setWordWrap(true);
    mText->setTextFormat(Qt::RichText);
    mText->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    mText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(mTitle);
    layout->addWidget(mBanner);
    layout->addWidget(mImage, 1);
    layout->addWidget(mProgress);
    layout->addWidget(mText);
}

void OverlayCell::setTitle(const QString& title)
{
    mTitle->setText(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()));
}

void OverlayCell::setProgress(double fraction, const QString& stage)
{
    mProgress->show();
    mProgress->setValue(static_cast<int>(fraction * 1000 + 0.5));
    mProgress->setFormat(stage.isEmpty() ? QStringLiteral("%p%")
                                         : JobStatusWidget::displayStage(stage) + QStringLiteral(" · %p%"));
}

void OverlayCell::setError(const QString& message)
{
    mProgress->hide();
    mComposed = QImage();
    mImage->setPixmap({});
    mImage->setText(tr("No result"));
    mText->setText(QStringLiteral("<span style='color:#c0392b'>%1</span>").arg(message.toHtmlEscaped()));
}

void OverlayCell::setBanner(const QString& text)
{
    mBanner->setText(text);
    mBanner->setVisible(!text.isEmpty());
}

void OverlayCell::show(const QImage& composed, const QString& html)
{
    mProgress->hide();
    mComposed = composed;
    mText->setText(html);
    updatePixmap();
}

void OverlayCell::setDimmed(bool dimmed)
{
    if (dimmed == mDimmed)
        return;
    mDimmed = dimmed;
    updatePixmap();
}

QString OverlayCell::caption() const
{
    return mText->text();
}

void OverlayCell::resizeEvent(QResizeEvent* event)
{
    QFrame::resizeEvent(event);
    updatePixmap();
}

void OverlayCell::mouseReleaseEvent(QMouseEvent* event)
{
    QFrame::mouseReleaseEvent(event);
    if (event->button() == Qt::LeftButton)
        Q_EMIT clicked();
}

void OverlayCell::updatePixmap()
{
    if (mComposed.isNull())
        return;
    const int side = std::max(64, std::min(mImage->width(), mImage->height()));
    QImage scaled = mComposed.scaled(side, side, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    if (mDimmed) {
        // Readable, but plainly not the current answer.
        scaled = scaled.convertToFormat(QImage::Format_ARGB32_Premultiplied);
        QPainter painter(&scaled);
        painter.fillRect(scaled.rect(), QColor(255, 255, 255, 150));
    }
    mImage->setPixmap(QPixmap::fromImage(scaled));
}

}  // namespace convlens
