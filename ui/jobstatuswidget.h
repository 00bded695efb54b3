#pragma once
// JobStatusWidget: the status bar's view of the JobService: one compact row per unfinished job (its label, a
// progress bar with the stage text, a cancel button), newest last; hidden when idle. GUI thread only.

#include "core/jobs/job.h"

#include <QElapsedTimer>
#include <QString>
#include <QWidget>

#include <map>

class QHBoxLayout;
class QLabel;
class QProgressBar;
class QToolButton;

namespace convlens {

class JobService;

class JobStatusWidget : public QWidget {
    Q_OBJECT

public:
    explicit JobStatusWidget(JobService* service, QWidget* parent = nullptr);

    int rowCount() const { return static_cast<int>(mRows.size()); }
    // The stage text shown for `id` (tests); empty when the job has no row.
    QString stageText(JobId id) const;
    // Clicks the cancel button of `id`'s row (tests); false when it has none.
    bool clickCancel(JobId id);

    // Jobs get their row when they are submitted through here, so the row can show a label.
    void track(JobId id, const QString& label);

    // A job's progress stage as the user reads it: the engine's "cam guidedgradcam" names its method by the
    // catalogue's display name ("Guided Grad-CAM"); other stages are shown as they are. Any thread.
    static QString displayStage(const QString& stage);

    // The time left of a job `fraction` done after `elapsedMs` running, as the bar says it ("1 min 20 s left"),
    // or empty while too early to tell (under 2 s or 3 %) or when under 2 s remain. The engine's progress is
    // weighted by each stage's measured cost, so the ratio is a fair estimate. Any thread.
    static QString timeLeft(double fraction, qint64 elapsedMs);

private:
    struct Row {
        QWidget* widget = nullptr;
        QLabel* label = nullptr;
        QProgressBar* bar = nullptr;
        QToolButton* cancel = nullptr;
        QElapsedTimer running;  // since the job started running
    };
    void onState(JobId id, JobState state);
    void onProgress(JobId id, double fraction, const QString& stage);
    void removeRow(JobId id);

    JobService* mService = nullptr;
    QHBoxLayout* mLayout = nullptr;
    std::map<JobId, Row> mRows;
};

}  // namespace convlens
