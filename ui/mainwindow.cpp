#include "ui/mainwindow.h"

#include <QLabel>

namespace convlens {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("ConvLens"));
    auto* label = new QLabel(tr("ConvLens — the desktop viewer is not built yet. Use convlens-cli."), this);
    label->setAlignment(Qt::AlignCenter);
    setCentralWidget(label);
    resize(900, 600);
}

}  // namespace convlens
