#pragma once
// MainWindow: the ConvLens desktop window.
//
// Layout: a toolbar (model, CAM method, colormap, opacity, overlay, compare), the central view (non-modal
// messages on top; the image with its CAM overlay, colour bar and faithfulness — or, in compare mode, the
// model × overlay grid), docks for the images opened, the top-K predictions, the network diagram, the feature-map
// grid and the weights panel, and the job progress in the status bar. A folder (Open Folder…, or dropped) runs as
// a batch on a second page of the central area, the batch view (tabs "Image" and "Batch" once a batch exists);
// the batch page takes the whole window, the docks come back with the image page.
//
// The window is wiring: what is looked at and how it becomes analyses is the AnalysisSession's
// (core/session/analysissession.h); the window forwards the user's choices to it and shows what it announces.
// Everything heavy runs off the GUI thread. Errors (an unreadable image, missing weights, a failed job) appear as
// non-modal messages naming the file and what to do; what is already shown stays.
//
// GUI thread only. The public methods are what the menus do; tests and the screenshot tour drive them too.

#include "core/batch/batchfiles.h"
#include "core/common/expected.h"
#include "core/jobs/job.h"
#include "core/session/analysissession.h"
#include "core/session/reportexport.h"

#include <QMainWindow>
#include <QString>
#include <QStringList>

#include <map>
#include <memory>
#include <vector>

class QAction;
class QDockWidget;
class QMenu;
class QLabel;
class QListWidget;
class QStackedWidget;
class QTabBar;

namespace convlens {

class BatchView;
class CompareView;
class ExemplarsDialog;
class ExplanationView;
class FeatureMapGrid;
class JobService;
class JobStatusWidget;
class LayerPropertiesView;
class MessageBar;
class MethodsGridView;
class NetworkDiagram;
class OverlayView;
class PredictionList;
class ClassPicker;
class ViewControls;
class WeightsPanel;

struct MainWindowOptions {
    bool openSampleOnFirstStart = true;  // the bundled photo, when the settings say this is the first start
    QString userRegistry;                // --registry FILE; empty = the user's models.yaml when it exists
    bool persistentCache = true;         // results on disk across restarts (CACHE_* variables still apply)
};

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Shows the window at the size it was designed for (1440×900), or maximised where that and its frame do not
    // fit the screen (a 1280×720 or 1366×768 laptop), so the frame and the status bar stay on the screen.
    void showFitted();

    // What the menus do: forwarded to the session (core/session/analysissession.h), which says what changed.
    // Opens image files and folders (their images, sorted); the first image is analysed.
    // Image files open in the main view; a folder among the paths runs them as a batch (as dropping does).
    void openPaths(const QStringList& paths);
    void openImage(const QString& path) { mSession->openImage(path); }
    void pasteImage();  // from the clipboard
    // Puts the view shown on the clipboard and returns it: the map shown at the network's input resolution, or the
    // methods grid or compare view as on screen; null (the clipboard untouched) when nothing is shown.
    QImage copyViewImage() const;
    void setModel(const QString& modelId) { mSession->setModel(modelId); }
    void setMethod(const QString& method) { mSession->setMethod(method); }
    void selectClass(int classIndex) { mSession->selectClass(classIndex); }
    void selectLayer(const QString& block) { mSession->selectLayer(block); }
    void setCamTarget(const QString& block) { mSession->setCamTarget(block); }
    // Two or more ids show the compare grid and analyse the image with each; fewer leave compare mode.
    void setCompareModels(const QStringList& modelIds) { mSession->setCompareModels(modelIds); }
    void setCompareMode(bool on);
    // Runs `paths` (files and folders) as a folder batch with the batch's models (the compare set in compare
    // mode, else the current model) and shows the batch page; a problem (no weights) shows as a message.
    void startBatch(const QStringList& paths, const ListOptions& listing);
    // The batch page instead of the image (or compare) view, and back.
    void showBatchPage(bool shown);
    bool batchPageShown() const;

    bool isReady() const { return mSession->isReady(); }  // the registry is loaded
    bool isBusy() const { return mSession->isBusy(); }    // a job or a network description is pending
    QString currentModel() const { return mSession->model(); }
    QString currentMethod() const { return mSession->method(); }
    QString currentLayer() const { return mSession->layer(); }
    int currentClass() const { return mSession->classIndex(); }
    ResultPtr currentResult() const { return mSession->result(); }
    bool compareMode() const;
    // Whether the views show the "untrained weights" banner (the shown result has no checkpoint).
    bool untrainedBannerShown() const;

    AnalysisSession* session() const { return mSession; }
    OverlayView* overlayView() const { return mOverlay; }
    ExplanationView* explanationView() const { return mExplanation; }
    PredictionList* predictionList() const { return mPredictions; }
    ClassPicker* classPicker() const { return mClassPicker; }
    FeatureMapGrid* featureGrid() const { return mGrid; }
    NetworkDiagram* diagram() const { return mDiagram; }
    LayerPropertiesView* layerProperties() const { return mProperties; }
    CompareView* compareView() const { return mCompare; }
    MethodsGridView* methodsGrid() const { return mMethodsGrid; }
    // The methods grid instead of the single map (View ▸ Methods Grid); leaves compare mode.
    void setMethodsGridShown(bool on) { mSession->setMethodsGrid(on); }
    bool methodsGridShown() const;
    MessageBar* messageBar() const { return mMessages; }
    JobService* jobService() const { return mSession->jobs(); }
    WeightsPanel* weightsPanel() const { return mWeightsPanel; }
    JobStatusWidget* jobStatus() const { return mJobStatus; }
    QListWidget* imageList() const { return mImages; }  // the Images dock's list
    BatchView* batchView() const { return mBatchView; }
    ExemplarsDialog* exemplarsDialog() const { return mExemplars; }  // once a channel's examples were shown

    // Writes the current analysis as a PNG report card (core/report/reportimage.h); false when there is no
    // result or the file cannot be written.
    bool exportReportTo(const QString& path) const;
    // Writes what `choice` says (the card, a full page, the methods grid page or the compare page; PNG or PDF) as
    // the window shows it (AnalysisSession::exportReport with the view's colormap, opacity, banner and compare
    // scale): an error naming the file, or saying what is missing (no result, no compared models).
    Expected<void> exportReportTo(const QString& path, const ReportExport& choice) const;

    // Shows and raises the dock holding `widget` (diagram, feature grid, weights panel), `size` pixels tall (bottom
    // docks) or wide (side docks) when given.
    void showDock(QWidget* widget, int size = 0);

Q_SIGNALS:
    void ready();                                // the registry is loaded (or failed: see the message bar)
    void resultShown();                          // the main view shows a new result
    void compareCellFinished(const QString& modelId);
    void descriptionShown(const QString& modelId);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    void buildLayout();
    void connectSession();
    QLabel* makeBanner(QWidget* parent);
    QWidget* withBanner(QWidget* content);
    void setUntrainedBanners(bool untrained);

    void onRegistryLoaded();
    void onModelChanged(const QString& modelId);
    void onCompareActiveChanged(bool active);
    void onMethodsGridChanged(bool active);
    // The central page the session's mode asks for: the compare grid, the methods grid or the single map.
    void showCentralPage();
    // The image the session analyses now (its path, or a pasted image's name).
    QString currentImage() const;
    void showResult(const ResultPtr& result);
    void showAnalysisError(ErrorKind kind, const QString& message);
    void showMissingWeights(const QString& modelId, const QString& message);
    void showDescription(const QString& modelId);
    void updateOverlay();
    void updateCompareCells();

    void showError(const QString& text);
    // Says how long a slow method (Score-CAM, the guided ones) will take here, when over kSlowAnalysisSeconds.
    void announceSlowMethod(const QString& method);
    static constexpr double kSlowAnalysisSeconds = 5.0;
    int mSlowMethodMessage = -1;  // the message bar's note of announceSlowMethod(), -1 when none
    void rebuildRecentMenu();
    void openFileDialog();
    void openFolderDialog();
    void exportBatchReports();
    void openBatchImage(const QString& path, const QString& modelId);
    void showExemplars(const QString& layer, int channel);
    void showBatchError(const Error& error);  // a batch that could not start: why, and what to do
    void chooseCompareModels();
    void editSettings();
    void exportReport();
    void exportArrays();  // the shown result's maps and statistics as .npy (core/report/resultimages.h)
    void about();

    AnalysisSession* mSession = nullptr;

    // Widgets.
    QStackedWidget* mCentral = nullptr;  // the explanation view or the compare grid
    QStackedWidget* mPages = nullptr;    // mCentral or the batch view
    QTabBar* mPageTabs = nullptr;
    BatchView* mBatchView = nullptr;
    ExemplarsDialog* mExemplars = nullptr;
    QAction* mBatchAction = nullptr;
    std::map<QString, bool> mDocksBeforeBatch;
    MessageBar* mMessages = nullptr;
    int mWeightsMessage = 0;  // the message bar's "has no weights yet" entry; 0 when none
    QLabel* mBanner = nullptr;
    std::vector<QLabel*> mBanners;  // every view's "untrained weights" banner
    ExplanationView* mExplanation = nullptr;
    QString mShownImage;  // the image (path, or a pasted image's name) whose result is shown
    OverlayView* mOverlay = nullptr;  // the explanation view's
    CompareView* mCompare = nullptr;
    MethodsGridView* mMethodsGrid = nullptr;
    ReportExport mLastExport;  // the export dialog's last choice, offered again
    QAction* mMethodsGridAction = nullptr;
    quint64 mMainJobId = 0;  // the main view's job, for the grid's progress
    PredictionList* mPredictions = nullptr;
    ClassPicker* mClassPicker = nullptr;
    FeatureMapGrid* mGrid = nullptr;
    NetworkDiagram* mDiagram = nullptr;
    LayerPropertiesView* mProperties = nullptr;
    WeightsPanel* mWeightsPanel = nullptr;
    QListWidget* mImages = nullptr;
    JobStatusWidget* mJobStatus = nullptr;
    ViewControls* mControls = nullptr;
    QAction* mOverlayAction = nullptr;
    QAction* mCompareAction = nullptr;
    QAction* mSharedScaleAction = nullptr;
    QAction* mClassScaleAction = nullptr;
    QMenu* mRecentMenu = nullptr;
    std::map<QString, QDockWidget*> mDocks;
    std::map<QString, bool> mDocksBeforeCompare;
};

}  // namespace convlens
