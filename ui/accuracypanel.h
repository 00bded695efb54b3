#pragma once
// AccuracyPanel: what a batch's records say about a model when the folder layout gives the truth (computed by
// computeAccuracy, core/batch/batchstats.h): top-1 and top-5 accuracy overall and per class, and the failure
// cases, wrong with high confidence first. With several models a choice of the model shown. Activating a failure
// case asks for that image with that model (the window opens it with its heatmaps). GUI thread only.

#include "core/batch/batchstats.h"

#include <QImage>
#include <QString>
#include <QWidget>

#include <functional>
#include <string>
#include <utility>
#include <vector>

class QComboBox;
class QLabel;
class QListWidget;
class QTreeWidget;

namespace convlens {

class AccuracyPanel : public QWidget {
    Q_OBJECT

public:
    using Thumbnail = std::function<QImage(const QString& file)>;

    explicit AccuracyPanel(QWidget* parent = nullptr);

    // The models (id, display name) in the order offered; keeps the model shown when it is still there.
    void setModels(const std::vector<std::pair<std::string, QString>>& models);
    // The figures of every model; `thumbnail` gives a failure case's picture (may return a null image).
    void setAccuracy(const std::vector<ModelAccuracy>& accuracy, const Thumbnail& thumbnail);
    void clear();

    QString shownModel() const;
    int failureCount() const;
    QString failureFile(int row) const;
    void activateFailure(int row);  // what a click does (tests)

Q_SIGNALS:
    void failureActivated(const QString& file, const QString& modelId);

private:
    void showModel();

    std::vector<std::pair<std::string, QString>> mModels;
    std::vector<ModelAccuracy> mAccuracy;
    Thumbnail mThumbnail;
    QComboBox* mModel = nullptr;
    QLabel* mModelName = nullptr;
    QLabel* mTop1 = nullptr;
    QLabel* mTop5 = nullptr;
    QLabel* mNote = nullptr;
    QTreeWidget* mClasses = nullptr;
    QListWidget* mFailures = nullptr;
};

}  // namespace convlens
