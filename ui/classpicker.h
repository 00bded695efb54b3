#pragma once
// ClassPicker: "Explain any class": a search field over every class of the shown model (ImageNet's 1,000 labels),
// matching anywhere in the name or the index, that picks a class to explain beyond the top-K. GUI thread only.

#include <QWidget>

#include <string>
#include <vector>

class QCompleter;
class QLineEdit;
class QStringListModel;

namespace convlens {

class ClassPicker : public QWidget {
    Q_OBJECT

public:
    explicit ClassPicker(QWidget* parent = nullptr);

    // The model's class labels, index = class (empty: the picker is disabled).
    void setLabels(const std::vector<std::string>& labels);
    // Picks the class whose entry is `text` ("cauliflower (938)"), whose label it is or whose index; false when none.
    bool pick(const QString& text);
    // The completions offered for `text` now (tests).
    QStringList matches(const QString& text) const;
    QLineEdit* field() const { return mField; }

Q_SIGNALS:
    void classPicked(int classIndex);

private:
    QLineEdit* mField = nullptr;
    QCompleter* mCompleter = nullptr;
    QStringListModel* mModel = nullptr;
    std::vector<std::string> mLabels;
};

}  // namespace convlens
