#pragma once
// BatchView: the window's page for a folder batch (core/session/batchsession.h) — its progress (count, images/s,
// time left) with Pause/Resume and Cancel, the results table filling in as records arrive (sortable; filtered to
// all, failed, misclassified or disagreeing images and by a search text), unreadable files as rows with the
// reason, the accuracy panel when the folders give the truth, and "Export Reports…".
//
// Wiring only: the batch is the session's; the view shows what it announces and asks the window, by signals, to
// open an image or to export. GUI thread only.

#include "core/session/batchsession.h"

#include <QString>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTimer;
class QToolButton;

namespace convlens {

class AccuracyPanel;
class AnalysisSession;
class BatchFilterProxy;
class BatchTableModel;

class BatchView : public QWidget {
    Q_OBJECT

public:
    explicit BatchView(AnalysisSession* session, QWidget* parent = nullptr);

    BatchTableModel* tableModel() const { return mModel; }
    BatchFilterProxy* proxy() const { return mProxy; }
    QTableView* table() const { return mTable; }
    AccuracyPanel* accuracyPanel() const { return mAccuracy; }
    QString progressText() const;  // the count, rate and time left as shown
    QString stateText() const;

    // What the filter controls do (also for tests): 0 all, 1 failed, 2 misclassified, 3 disagree.
    void setShow(int show);
    void setSearchText(const QString& text);
    // What a click on a row of the (filtered, sorted) table does.
    void activateRow(int row, int column = -1);

Q_SIGNALS:
    // The user wants `path` in the main view, with `modelId` (empty: keep the current model).
    void imageRequested(const QString& path, const QString& modelId);
    void exportRequested();

private:
    void onStarted();
    void onStateChanged(BatchSession::State state);
    void onRecordsAdded(int first, int count);
    void onProgress(int processed, int total);
    void refreshAccuracy();
    void showAccuracy(bool shown);
    int tableWidthNeeded() const;  // the columns at their widths, the stretched status at a readable one
    void updateCount();
    // Spans an unreadable file's reason across the model columns: of rows `first`..`last` (view rows), or of
    // every row after a sort or reset (QTableView moves spans itself when rows are inserted or removed).
    void spanReasons(int first, int last);
    void updateControls();

    AnalysisSession* mSession = nullptr;
    BatchSession* mBatch = nullptr;
    BatchTableModel* mModel = nullptr;
    BatchFilterProxy* mProxy = nullptr;
    QTimer* mAccuracyTimer = nullptr;

    QStackedWidget* mStack = nullptr;
    QLabel* mPlaceholder = nullptr;
    QLabel* mTitle = nullptr;
    QLabel* mState = nullptr;
    QLabel* mProblems = nullptr;
    QProgressBar* mProgress = nullptr;
    QLabel* mRate = nullptr;
    QPushButton* mPause = nullptr;
    QPushButton* mCancel = nullptr;
    QPushButton* mExport = nullptr;
    QComboBox* mShow = nullptr;
    QLineEdit* mSearch = nullptr;
    QLabel* mCount = nullptr;
    QToolButton* mAccuracyButton = nullptr;
    QSplitter* mSplitter = nullptr;
    QTableView* mTable = nullptr;
    AccuracyPanel* mAccuracy = nullptr;
};

}  // namespace convlens
