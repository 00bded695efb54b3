#pragma once
// The ConvLens main window. Minimal until the desktop application issue lands. GUI thread only.

#include <QMainWindow>

namespace convlens {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
};

}  // namespace convlens
