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
    row.bar->setFixedWidth(200);
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
    if (state == JobState::Running && it->second.bar->format() == tr("queued"))
        it->second.bar->setFormat(tr("starting"));
}

void JobStatusWidget::onProgress(JobId id, double fraction, const QString& stage)
{
    const auto it = mRows.find(id);
    if (it == mRows.end())
        return;
    it->second.bar->setValue(static_cast<int>(fraction * 1000.0 + 0.5));
    it->second.bar->setFormat(stage.isEmpty() ? QStringLiteral("%p%") : displayStage(stage) + QStringLiteral(" · %p%"));
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
