// convlens: the desktop application. Command-line arguments open images or folders and pick what is shown;
// --screenshots runs the screenshot tour and exits.
#include "core/common/cpupolicy.h"
#include "core/inspect/methodcatalogue.h"
#include "ui/mainwindow.h"
#include "ui/screenshottour.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>

int main(int argc, char* argv[])
{
    convlens::applyWaitPolicy(argv);  // first: it may execute the program again (core/common/cpupolicy.h)
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("ConvLens"));
    QApplication::setOrganizationName(QStringLiteral("ConvLens"));
    QApplication::setApplicationVersion(QStringLiteral(CONVLENS_VERSION));
    // The installed menu entry (packaging/convlens.desktop): Wayland compositors find the window's icon through it.
    QGuiApplication::setDesktopFileName(QStringLiteral("convlens"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/convlens/convlens.png")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("ConvLens: what ImageNet CNNs see."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("paths"), QStringLiteral("Images or folders to open."),
                                 QStringLiteral("[IMAGE|FOLDER...]"));
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("Model id to start with."),
                                   QStringLiteral("ID"));
    const QCommandLineOption method(
        QStringLiteral("method"),
        QStringLiteral("Heatmap method (%1).").arg(QString::fromStdString(convlens::methodIdList())),
        QStringLiteral("METHOD"));
    const QCommandLineOption layer(QStringLiteral("layer"), QStringLiteral("Block whose feature maps are shown."),
                                   QStringLiteral("BLOCK"));
    const QCommandLineOption compare(QStringLiteral("compare"),
                                     QStringLiteral("Compare these models (comma-separated ids)."),
                                     QStringLiteral("IDS"));
    const QCommandLineOption registry(QStringLiteral("registry"),
                                      QStringLiteral("A user registry with models of your own."),
                                      QStringLiteral("FILE"));
    const QCommandLineOption screenshots(
        QStringLiteral("screenshots"),
        QStringLiteral("Save screenshots of the main view, diagram, feature maps and compare mode to DIR, then exit."),
        QStringLiteral("DIR"));
    parser.addOptions({model, method, layer, compare, registry, screenshots});
    parser.process(app);

    convlens::MainWindowOptions options;
    options.userRegistry = parser.value(registry);
    options.openSampleOnFirstStart = parser.positionalArguments().isEmpty() && !parser.isSet(screenshots);
    convlens::MainWindow window(options);
    window.showFitted();

    const QStringList compareIds = parser.value(compare).split(QLatin1Char(','), Qt::SkipEmptyParts);
    QObject::connect(&window, &convlens::MainWindow::ready, &window, [&] {
        if (parser.isSet(model))
            window.setModel(parser.value(model));
        if (parser.isSet(method))
            window.setMethod(parser.value(method));
        // The compare set first: a folder given runs as a batch over it.
        if (!parser.isSet(screenshots) && compareIds.size() >= 2)
            window.setCompareModels(compareIds);
        if (!parser.positionalArguments().isEmpty())
            window.openPaths(parser.positionalArguments());
        if (parser.isSet(layer) && !parser.isSet(screenshots))  // the tour selects it in its diagram step
            window.selectLayer(parser.value(layer));
    });

    if (parser.isSet(screenshots)) {
        auto* tour = new convlens::ScreenshotTour(&window, parser.value(screenshots), parser.value(layer), compareIds,
                                                  &window);
        QObject::connect(tour, &convlens::ScreenshotTour::finished, &app,
                         [](bool ok) { QApplication::exit(ok ? 0 : 1); });
        QObject::connect(&window, &convlens::MainWindow::ready, tour, &convlens::ScreenshotTour::start,
                         Qt::QueuedConnection);
    }
    return QApplication::exec();
}
