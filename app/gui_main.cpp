#include "ui/mainwindow.h"

#include <QApplication>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("ConvLens"));
    QApplication::setOrganizationName(QStringLiteral("ConvLens"));
    convlens::MainWindow window;
    window.show();
    return QApplication::exec();
}
