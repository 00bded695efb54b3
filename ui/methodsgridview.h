#pragma once
// MethodsGridView: every chosen heatmap method for one class of one image side by side — the pytorch-grad-cam
// "compare the methods" figure, live. One cell per method (its display name, the overlay or a guided method's own
// image, what the map is and its faithfulness); one colour bar under the grid. By default every map is drawn from
// its own lowest (0) to its highest (1) value on that one colour scale, as pytorch-grad-cam shows them: the
// methods' raw values have different units (EigenCAM's are a projection, Score-CAM's probabilities). With raw
// values on one scale, every layer map is drawn with one low/high over all of them (core/inspect/camscale.h), so a
// weak map stays faint — meaningful between methods of the same units. Guided methods are images of their own,
// outside the scale. A method whose map is still being computed says so (results come progressively). Shows a result; asks
// for nothing; a click on a cell asks to show that method in the main view. GUI thread only.

#include "core/jobs/job.h"
#include "core/report/colormap.h"

#include <QString>
#include <QStringList>
#include <QSize>
#include <QWidget>

#include <map>

class QCheckBox;
class QGridLayout;
class QLabel;
class QScrollArea;

namespace convlens {

class ColorBarWidget;
class OverlayCell;

class MethodsGridView : public QWidget {
    Q_OBJECT

public:
    explicit MethodsGridView(QWidget* parent = nullptr);

    // The methods shown, in order (ids; AnalysisSession::gridMethodsShown()).
    void setMethods(const QStringList& methodIds);
    QStringList methods() const { return mMethods; }
    // The result whose maps are shown; `partial`: later methods are still coming.
    void setResult(ResultPtr result, bool partial);
    ResultPtr result() const { return mResult; }
    void setClass(int classIndex);  // -1: the result's top class
    void setColormap(Colormap map);
    void setOpacity(float opacity);
    void setOneScale(bool one);
    bool oneScale() const { return mOneScale; }
    // The analysis's progress, shown on the cells still waiting for their map.
    void setProgress(double fraction, const QString& stage);
    // Dims every cell and says why (a new image is being analysed, a cancel); empty: current again.
    void setStale(const QString& note);

    // What a cell shows (tests, the report): its composed image, null while it has no map; its caption.
    QImage cellImage(const QString& methodId) const;
    QString cellCaption(const QString& methodId) const;
    bool hasMap(const QString& methodId) const;
    ColorBarWidget* colorBar() const { return mColorBar; }
    // The column count giving `cells` maps the largest squares in `area` (its title and caption below each).
    static int bestColumns(int cells, QSize area);

Q_SIGNALS:
    void methodClicked(const QString& methodId);
    void oneScaleToggled(bool one);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void refresh();
    void relayout();  // the cells in bestColumns() columns of the visible area
    int shownClass() const;

    QLabel* mHeader = nullptr;
    QCheckBox* mOneScaleBox = nullptr;
    QLabel* mStale = nullptr;
    QScrollArea* mScroll = nullptr;
    QGridLayout* mGrid = nullptr;
    int mColumns = 0;
    ColorBarWidget* mColorBar = nullptr;
    QStringList mMethods;
    std::map<QString, OverlayCell*> mCells;
    ResultPtr mResult;
    bool mPartial = false;
    int mClass = -1;
    Colormap mColormap = Colormap::Jet;
    float mOpacity = 0.5f;
    bool mOneScale = false;
};

}  // namespace convlens
