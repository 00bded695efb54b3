#pragma once
// DiagramSearchBar: the network diagram's find field, floating at the top right of the view: the text, "n of m"
// (or "No match"), previous/next and close buttons. Enter or F3 asks for the next match, Shift+Enter or Shift+F3
// for the previous one, Esc closes; the diagram does the matching. A child of the view; GUI thread only.

#include <QFrame>

class QLabel;
class QLineEdit;

namespace convlens::diagram {

class DiagramSearchBar : public QFrame {
    Q_OBJECT

public:
    explicit DiagramSearchBar(QWidget* parent);

    QLineEdit* field() const { return mField; }
    QString text() const;
    void setStatus(const QString& status, bool failed);
    QString status() const;
    // Shows the bar with its text selected and focused.
    void open();

Q_SIGNALS:
    void textChanged(const QString& text);
    void nextRequested();
    void previousRequested();
    void closed();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QLineEdit* mField;
    QLabel* mStatus;
};

}  // namespace convlens::diagram
