#pragma once
// MessageBar: non-modal messages above the main view (errors, warnings, hints), each with a close button and
// optional action buttons ("Load file…", "Open Weights panel"). Messages stack, newest on top; an identical
// message replaces the older one instead of repeating. GUI thread only.

#include <QString>
#include <QWidget>

#include <functional>
#include <vector>

class QVBoxLayout;

namespace convlens {

class MessageBar : public QWidget {
    Q_OBJECT

public:
    enum class Level { Information, Warning, Error };
    struct Action {
        QString text;
        std::function<void()> trigger;
    };

    explicit MessageBar(QWidget* parent = nullptr);

    // Shows `text` (plain text; the first line is shown in bold when there are several). Returns its id.
    int show(Level level, const QString& text, std::vector<Action> actions = {});
    void dismiss(int id);
    void clear();

    int count() const;
    // The texts shown now, newest first (tests).
    QStringList texts() const;

Q_SIGNALS:
    void changed();

private:
    struct Entry {
        int id = 0;
        QString text;
        QWidget* widget = nullptr;
    };
    QVBoxLayout* mLayout = nullptr;
    std::vector<Entry> mEntries;
    int mNextId = 1;
};

}  // namespace convlens
