#pragma once
// OverlayCell: one cell of a grid of maps (the compare view's models, the methods grid's methods): a bold title,
// an optional red banner, the composed image scaled to the cell (aspect kept), a progress bar while its map is
// being computed, and a rich-text caption. Shows what it is given; asks for nothing. GUI thread only.

#include <QFrame>
#include <QImage>
#include <QString>

class QLabel;
class QProgressBar;

namespace convlens {

class OverlayCell : public QFrame {
    Q_OBJECT

public:
    explicit OverlayCell(const QString& title, QWidget* parent = nullptr);

    void setTitle(const QString& title);
    // A job's progress, with its stage ("cam gradcam" is shown as the job status bar shows it).
    void setProgress(double fraction, const QString& stage);
    // No image, `message` in red.
    void setError(const QString& message);
    void setBanner(const QString& text);  // empty hides it
    // `composed` (already blended) and the caption; hides the progress bar.
    void show(const QImage& composed, const QString& html);
    // Shown dimmed: what it shows is not the current request's, or not yet complete.
    void setDimmed(bool dimmed);
    const QImage& composed() const { return mComposed; }
    QString caption() const;

Q_SIGNALS:
    void clicked();  // the cell was clicked (the methods grid makes its method the main view's)

protected:
    void resizeEvent(QResizeEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    void updatePixmap();

    QLabel* mTitle = nullptr;
    QLabel* mBanner = nullptr;
    QLabel* mImage = nullptr;
    QProgressBar* mProgress = nullptr;
    QLabel* mText = nullptr;
    QImage mComposed;
    bool mDimmed = false;
};

}  // namespace convlens
