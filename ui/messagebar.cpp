#include "ui/messagebar.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPalette>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace convlens {

namespace {

// Tinted backgrounds that read on light and dark palettes: the level's hue blended into the window colour.
QColor tint(MessageBar::Level level, const QPalette& palette)
{
    QColor hue;
    switch (level) {
        case MessageBar::Level::Information:
            hue = QColor(0x3d, 0x8b, 0xd9);
            break;
        case MessageBar::Level::Warning:
            hue = QColor(0xe0, 0xa0, 0x20);
            break;
        case MessageBar::Level::Error:
            hue = QColor(0xd9, 0x3d, 0x3d);
            break;
    }
    const QColor base = palette.color(QPalette::Window);
    const double a = 0.22;
    return QColor::fromRgbF(base.redF() * (1 - a) + hue.redF() * a, base.greenF() * (1 - a) + hue.greenF() * a,
                            base.blueF() * (1 - a) + hue.blueF() * a);
}

QStyle::StandardPixmap levelIcon(MessageBar::Level level)
{
    switch (level) {
        case MessageBar::Level::Information:
            return QStyle::SP_MessageBoxInformation;
        case MessageBar::Level::Warning:
            return QStyle::SP_MessageBoxWarning;
        case MessageBar::Level::Error:
            return QStyle::SP_MessageBoxCritical;
    }
    return QStyle::SP_MessageBoxInformation;
}

}  // namespace

MessageBar::MessageBar(QWidget* parent) : QWidget(parent)
{
    mLayout = new QVBoxLayout(this);
    mLayout->setContentsMargins(0, 0, 0, 0);
    mLayout->setSpacing(4);
    setVisible(false);
}

int MessageBar::show(Level level, const QString& text, std::vector<Action> actions)
{
    for (const Entry& entry : mEntries)
        if (entry.text == text) {
            dismiss(entry.id);
            break;
        }

    auto* frame = new QFrame(this);
    frame->setAutoFillBackground(true);
    QPalette palette = frame->palette();
    palette.setColor(QPalette::Window, tint(level, palette));
    frame->setPalette(palette);
    frame->setFrameShape(QFrame::StyledPanel);

    auto* row = new QHBoxLayout(frame);
    row->setContentsMargins(8, 6, 6, 6);
    row->setSpacing(8);
    auto* icon = new QLabel(frame);
    icon->setPixmap(style()->standardIcon(levelIcon(level)).pixmap(20, 20));
    icon->setAlignment(Qt::AlignTop);
    row->addWidget(icon);

    QString html = text.toHtmlEscaped();
    const int newline = html.indexOf(QLatin1Char('\n'));
    if (newline > 0)
        html = QStringLiteral("<b>") + html.left(newline) + QStringLiteral("</b><br>") + html.mid(newline + 1);
    html.replace(QLatin1Char('\n'), QStringLiteral("<br>"));
    auto* label = new QLabel(html, frame);
    label->setTextFormat(Qt::RichText);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    row->addWidget(label, 1);

    const int id = mNextId++;
    for (Action& action : actions) {
        auto* button = new QPushButton(action.text, frame);
        connect(button, &QPushButton::clicked, this, [this, id, trigger = std::move(action.trigger)] {
            // Copy first: dismiss() deletes the button that owns this lambda.
            const auto run = trigger;
            dismiss(id);
            if (run)
                run();
        });
        row->addWidget(button, 0, Qt::AlignTop);
    }
    auto* close = new QToolButton(frame);
    close->setAutoRaise(true);
    close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    close->setToolTip(tr("Dismiss"));
    connect(close, &QToolButton::clicked, this, [this, id] { dismiss(id); });
    row->addWidget(close, 0, Qt::AlignTop);

    mLayout->insertWidget(0, frame);
    mEntries.insert(mEntries.begin(), Entry{id, text, frame});
    while (mEntries.size() > 4)
        dismiss(mEntries.back().id);
    setVisible(true);
    Q_EMIT changed();
    return id;
}

void MessageBar::dismiss(int id)
{
    for (auto it = mEntries.begin(); it != mEntries.end(); ++it) {
        if (it->id == id) {
            it->widget->hide();
            it->widget->deleteLater();
            mEntries.erase(it);
            setVisible(!mEntries.empty());
            Q_EMIT changed();
            return;
        }
    }
}

void MessageBar::clear()
{
    while (!mEntries.empty())
        dismiss(mEntries.front().id);
}

int MessageBar::count() const
{
    return static_cast<int>(mEntries.size());
}

QStringList MessageBar::texts() const
{
    QStringList list;
    for (const Entry& entry : mEntries)
        list << entry.text;
    return list;
}

}  // namespace convlens
