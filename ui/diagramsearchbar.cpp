#include "ui/diagramsearchbar.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QStyle>
#include <QToolButton>

namespace convlens::diagram {

DiagramSearchBar::DiagramSearchBar(QWidget* parent)
    : QFrame(parent), mField(new QLineEdit(this)), mStatus(new QLabel(this))
{
    setObjectName(QStringLiteral("diagramSearchBar"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Window);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 3, 3, 3);
    layout->setSpacing(3);
    mField->setObjectName(QStringLiteral("diagramSearchField"));
    mField->setPlaceholderText(tr("Find block or layer"));
    mField->setClearButtonEnabled(true);
    mField->setMinimumWidth(130);
    mField->installEventFilter(this);
    mStatus->setObjectName(QStringLiteral("diagramSearchStatus"));
    mStatus->setMinimumWidth(56);
    auto button = [this](QStyle::StandardPixmap icon, const QString& tip, const char* name) {
        auto* b = new QToolButton(this);
        b->setIcon(style()->standardIcon(icon));
        b->setToolTip(tip);
        b->setAutoRaise(true);
        b->setObjectName(QString::fromLatin1(name));
        return b;
    };
    QToolButton* previous = button(QStyle::SP_ArrowUp, tr("Previous match (Shift+F3)"), "searchPrevious");
    QToolButton* next = button(QStyle::SP_ArrowDown, tr("Next match (Enter, F3)"), "searchNext");
    QToolButton* close = button(QStyle::SP_DialogCloseButton, tr("Close (Esc)"), "searchClose");
    layout->addWidget(mField, 1);
    layout->addWidget(mStatus);
    layout->addWidget(previous);
    layout->addWidget(next);
    layout->addWidget(close);
    connect(mField, &QLineEdit::textChanged, this, &DiagramSearchBar::textChanged);
    connect(previous, &QToolButton::clicked, this, &DiagramSearchBar::previousRequested);
    connect(next, &QToolButton::clicked, this, &DiagramSearchBar::nextRequested);
    connect(close, &QToolButton::clicked, this, [this] {
        hide();
        Q_EMIT closed();
    });
    hide();
}

QString DiagramSearchBar::text() const
{
    return mField->text();
}

void DiagramSearchBar::setStatus(const QString& status, bool failed)
{
    mStatus->setText(status);
    // "No match" in red, as find bars say it.
    QPalette palette = mStatus->palette();
    palette.setColor(QPalette::WindowText, failed ? QColor(200, 40, 40) : this->palette().color(QPalette::WindowText));
    mStatus->setPalette(palette);
}

QString DiagramSearchBar::status() const
{
    return mStatus->text();
}

void DiagramSearchBar::open()
{
    show();
    raise();
    mField->setFocus(Qt::ShortcutFocusReason);
    mField->selectAll();
}

bool DiagramSearchBar::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == mField && (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress)) {
        auto* key = static_cast<QKeyEvent*>(event);
        const bool handled = key->key() == Qt::Key_Escape || key->key() == Qt::Key_Return ||
                             key->key() == Qt::Key_Enter || key->key() == Qt::Key_F3;
        if (!handled)
            return QFrame::eventFilter(watched, event);
        // Take the key before a window shortcut (the main window's Esc cancels jobs) claims it.
        event->accept();
        if (event->type() == QEvent::ShortcutOverride)
            return true;
        if (key->key() == Qt::Key_Escape) {
            hide();
            Q_EMIT closed();
        } else if (key->modifiers() & Qt::ShiftModifier) {
            Q_EMIT previousRequested();
        } else {
            Q_EMIT nextRequested();
        }
        return true;
    }
    return QFrame::eventFilter(watched, event);
}

}  // namespace convlens::diagram
