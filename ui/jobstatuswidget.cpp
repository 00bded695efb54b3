#include "ui/jobstatuswidget.h"

#include "core/inspect/methodcatalogue.h"
#include "core/jobs/jobservice.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QStyle>
#include <QToolButton>

namespace convlens {

JobStatusWidget::JobStatusWidget(JobService* service, QWidget* parent) : QWidget(parent), mService(service)
{
    mLayout = new QHBoxLayout(this);
    mLayout->setContentsMargins(0, 0, 0, 0);
    mLayout->setSpacing(12);
    connect(service, &JobService::jobStateChanged, this, &JobStatusWidget::onState);
    connect(service, &JobService::jobProgress, this, &JobStatusWidget::onProgress);
    setVisible(false);
}

void JobStatusWidget::track(JobId id, const QString& label)
{
    if (mRows.count(id) || !mService->state(id) || isFinal(*mService->state(id)))
        return;
    Row row;
    row.widget = new QWidget(this);
    auto* layout = new QHBoxLayout(row.widget);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    row.label = new QLabel(label, row.widget);
    row.bar = new QProgressBar(row.widget);
    row.bar->setRange(0, 1000);
    row.bar->setValue(0);
    row.bar->setTextVisible(true);
    row.bar->setFormat(tr("queued"));
    // Room for the longest stage with its time left ("Guided Grad-CAM · 42% · 10 min 59 s left").
    row.bar->setFixedWidth(fontMetrics().horizontalAdvance(tr("Guided Grad-CAM · 100% · 10 min 59 s left")) + 16);
    row.bar->setMaximumHeight(fontMetrics().height() + 4);
    row.cancel = new QToolButton(row.widget);
    row.cancel->setAutoRaise(true);
    row.cancel->setIcon(style()->standardIcon(QStyle::SP_DialogCancelButton));
    row.cancel->setToolTip(tr("Cancel %1").arg(label));
    connect(row.cancel, &QToolButton::clicked, this, [this, id] { mService->cancel(id); });
    layout->addWidget(row.label);
    layout->addWidget(row.bar);
    layout->addWidget(row.cancel);
    mLayout->addWidget(row.widget);
    mRows.emplace(id, row);
    // Only the three newest rows are visible; the others wait their turn.
    int visible = 0;
    for (auto it = mRows.rbegin(); it != mRows.rend(); ++it)
        it->second.widget->setVisible(visible++ < 3);
    setVisible(true);
}

QString JobStatusWidget::stageText(JobId id) const
{
    const auto it = mRows.find(id);
    return it == mRows.end() ? QString() : it->second.bar->format();
}

bool JobStatusWidget::clickCancel(JobId id)
{
    const auto it = mRows.find(id);
    if (it == mRows.end())
        return false;
    it->second.cancel->click();
    return true;
}

void JobStatusWidget::onState(JobId id, JobState state)
{
    const auto it = mRows.find(id);
    if (it == mRows.end())
        return;
    if (isFinal(state)) {
        removeRow(id);
        return;
    }
    if (state == JobState::Running && it->second.bar->format() == tr("queued")) {
        it->second.bar->setFormat(tr("starting"));
        it->second.running.start();
    }
}

void JobStatusWidget::onProgress(JobId id, double fraction, const QString& stage)
{
    const auto it = mRows.find(id);
    if (it == mRows.end())
        return;
    Row& row = it->second;
    row.bar->setValue(static_cast<int>(fraction * 1000.0 + 0.5));
    if (!row.running.isValid())
        row.running.start();
    QString format = stage.isEmpty() ? QStringLiteral("%p%") : displayStage(stage) + QStringLiteral(" · %p%");
    const QString left = timeLeft(fraction, row.running.elapsed());
    if (!left.isEmpty())
        format += QStringLiteral(" · ") + left;
    row.bar->setFormat(format);
    row.bar->setToolTip(QString(format).replace(QStringLiteral("%p"), QString::number(row.bar->value() / 10)));
}

QString JobStatusWidget::timeLeft(double fraction, qint64 elapsedMs)
{
    if (elapsedMs < 2000 || fraction < 0.03 || fraction >= 1.0)
        return {};
    const auto seconds =
        static_cast<qint64>(static_cast<double>(elapsedMs) * (1.0 - fraction) / fraction / 1000.0 + 0.5);
    if (seconds < 2)
        return {};
    if (seconds < 60)
        return tr("%1 s left").arg(seconds);
    if (seconds < 3600)
        return tr("%1 min %2 s left").arg(seconds / 60).arg(seconds % 60);
    return tr("%1 h %2 min left").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

QString JobStatusWidget::displayStage(const QString& stage)
{
    // The engine's stage names are ids (core/inspect/analyzer.cpp: "cam " + method id).
    const QString camPrefix = QStringLiteral("cam ");
    if (stage.startsWith(camPrefix))
        return methodName(stage.mid(camPrefix.size()));
    return stage;
}

void JobStatusWidget::removeRow(JobId id)
{
    const auto it = mRows.find(id);
    if (it == mRows.end())
        return;
    it->second.widget->hide();
    it->second.widget->deleteLater();
    mRows.erase(it);
    int visible = 0;
    for (auto row = mRows.rbegin(); row != mRows.rend(); ++row)
        row->second.widget->setVisible(visible++ < 3);
    setVisible(!mRows.empty());
}

}  // namespace convlens
