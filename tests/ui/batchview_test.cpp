// The batch page of the real window on the offscreen platform, with the seeded fixture checkpoints of the `models`
// fixture (or $CONVLENS_WEIGHTS_DIR) as the weights: a folder of photos in an ImageNet wnid folder plus a text
// file named .png runs as a batch; the table fills with a row per file and the bad file's row names the problem;
// the filters and the search narrow the rows; clicking a row opens the image in the main view; a dropped folder
// starts a batch; a feature-map tile of the batch's layer shows its dataset examples, which export as a sheet.
#include "ui/batchview.h"
#include "core/session/analysissession.h"
#include "core/session/appsettings.h"
#include "core/session/batchsession.h"
#include "ui/accuracypanel.h"
#include "ui/batchfilterproxy.h"
#include "ui/batchtablemodel.h"
#include "ui/exemplarsdialog.h"
#include "ui/featuremapgrid.h"
#include "tests/ui/testwindow.h"
#include "ui/mainwindow.h"

#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QHeaderView>
#include <QImage>
#include <QMimeData>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <gtest/gtest.h>

#include <memory>

namespace convlens {
namespace {

constexpr int kJobTimeoutMs = 180'000;

QString weightsDir()
{
    const QString fromEnvironment = qEnvironmentVariable("CONVLENS_WEIGHTS_DIR");
    return fromEnvironment.isEmpty() ? QStringLiteral(CONVLENS_FIXTURE_DIR "/models") : fromEnvironment;
}

class BatchViewTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(mDir.isValid());
        // Three photos of a tabby (the wnid folder gives the truth) and a text file that claims to be a PNG.
        ASSERT_TRUE(QDir().mkpath(photos()));
        const QImage cat(QStringLiteral(CONVLENS_SOURCE_DIR "/resources/samples/chelsea.jpg"));
        ASSERT_FALSE(cat.isNull());
        ASSERT_TRUE(cat.save(photos() + QStringLiteral("/cat1.png")));
        ASSERT_TRUE(cat.mirrored(true, false).save(photos() + QStringLiteral("/cat2.png")));
        ASSERT_TRUE(cat.scaled(cat.size() / 2).save(photos() + QStringLiteral("/cat3.png")));
        QFile bad(photos() + QStringLiteral("/bad.png"));
        ASSERT_TRUE(bad.open(QIODevice::WriteOnly));
        bad.write("not an image at all\n");
        bad.close();

        testing::openTestWindow(QStringLiteral("resnet18"), window, weightsDir());
    }

    void TearDown() override
    {
        const QString outDir = window ? window->session()->batch()->plan().outDir : QString();
        window.reset();
        // A batch started by a drop writes under the (test-mode) cache location.
        if (!outDir.isEmpty() && !outDir.startsWith(mDir.path()))
            QDir(outDir).removeRecursively();
    }

    QString photos() const { return mDir.path() + QStringLiteral("/photos/n02123045"); }

    // Runs the photos as a batch into the temp folder, as Open Folder does, and waits for its end.
    void runBatch()
    {
        const Expected<void> started = window->session()->startBatch(
            {mDir.path() + QStringLiteral("/photos")}, ListOptions{true, {}}, {}, mDir.path() + QStringLiteral("/out"));
        ASSERT_TRUE(started.ok()) << started.message();
        window->showBatchPage(true);
        BatchSession* batch = window->session()->batch();
        ASSERT_TRUE(QTest::qWaitFor([batch] { return !batch->isActive(); }, kJobTimeoutMs));
        ASSERT_EQ(batch->state(), BatchSession::State::Done) << batch->error().toStdString();
    }

    int rowOf(const QString& fileName) const
    {
        BatchFilterProxy* proxy = window->batchView()->proxy();
        for (int row = 0; row < proxy->rowCount(); ++row)
            if (proxy->index(row, 0).data(BatchTableModel::FileRole).toString().endsWith(fileName))
                return row;
        return -1;
    }

    QTemporaryDir mDir;
    std::unique_ptr<MainWindow> window;
};

TEST_F(BatchViewTest, TheTableFillsAndTheBadFilesRowSaysWhy)
{
    runBatch();
    BatchView* view = window->batchView();
    BatchTableModel* model = view->tableModel();
    EXPECT_TRUE(window->batchPageShown());
    ASSERT_EQ(model->rowCount(), 4);
    EXPECT_EQ(model->modelCount(), 1);
    EXPECT_TRUE(model->hasTruth());
    EXPECT_FALSE(view->table()->isColumnHidden(model->truthColumn()));

    const int bad = rowOf(QStringLiteral("bad.png"));
    ASSERT_GE(bad, 0);
    const QAbstractItemModel* shown = view->proxy();
    EXPECT_TRUE(shown->index(bad, 0).data(BatchTableModel::FailedRole).toBool());
    // The reason across the model columns, next to the file (a wide table cannot push it out of sight), without
    // the file's name (the row shows it); the status says it could not be read; the tooltip has both.
    const QString reason = shown->index(bad, model->labelColumn(0)).data().toString();
    EXPECT_TRUE(reason.contains(QStringLiteral("not an image"))) << reason.toStdString();
    EXPECT_FALSE(reason.contains(QStringLiteral("bad.png"))) << reason.toStdString();
    EXPECT_EQ(view->table()->columnSpan(bad, model->labelColumn(0)), 2 * model->modelCount());
    const QString status = shown->index(bad, model->statusColumn()).data().toString();
    EXPECT_EQ(status, QStringLiteral("Could not be read"));
    const QString tip = shown->index(bad, model->statusColumn()).data(Qt::ToolTipRole).toString();
    EXPECT_TRUE(tip.contains(QStringLiteral("bad.png")) && tip.contains(reason)) << tip.toStdString();

    const int good = rowOf(QStringLiteral("cat1.png"));
    ASSERT_GE(good, 0);
    EXPECT_FALSE(shown->index(good, 0).data(Qt::DecorationRole).isNull()) << "no thumbnail";
    EXPECT_FALSE(shown->index(good, model->labelColumn(0)).data().toString().isEmpty());
    EXPECT_TRUE(shown->index(good, model->probabilityColumn(0)).data().toString().endsWith(QLatin1Char('%')));
    EXPECT_EQ(shown->index(good, model->truthColumn()).data().toString(), QStringLiteral("tabby"));
    EXPECT_TRUE(shown->index(good, model->statusColumn()).data().toString().startsWith(QStringLiteral("OK")));

    EXPECT_TRUE(view->accuracyPanel()->isVisible());
    EXPECT_EQ(window->session()->batch()->processed(), 4);
    EXPECT_FALSE(view->stateText().isEmpty());
}

TEST_F(BatchViewTest, FiltersAndTheSearchNarrowTheRows)
{
    runBatch();
    BatchView* view = window->batchView();
    QAbstractItemModel* shown = view->proxy();
    int misclassified = 0;
    for (const BatchRecord& record : window->session()->batch()->records())
        misclassified += record.correctTop1() == 0 ? 1 : 0;

    view->setShow(1);  // failed
    ASSERT_EQ(shown->rowCount(), 1);
    EXPECT_TRUE(shown->index(0, 0).data(BatchTableModel::FileRole).toString().endsWith(QStringLiteral("bad.png")));
    view->setShow(2);  // misclassified
    EXPECT_EQ(shown->rowCount(), misclassified);
    view->setShow(0);
    EXPECT_EQ(shown->rowCount(), 4);

    view->setSearchText(QStringLiteral("CAT2"));
    ASSERT_EQ(shown->rowCount(), 1);
    EXPECT_TRUE(shown->index(0, 0).data(BatchTableModel::FileRole).toString().endsWith(QStringLiteral("cat2.png")));
    view->setSearchText(QStringLiteral("tabby"));  // the truth's label
    EXPECT_EQ(shown->rowCount(), 4);
    const QString predicted = shown->index(rowOf(QStringLiteral("cat1.png")), view->tableModel()->labelColumn(0))
                                  .data(BatchTableModel::SortRole)
                                  .toString();
    view->setSearchText(predicted);  // a predicted label
    EXPECT_GE(shown->rowCount(), 1);
    view->setSearchText(QStringLiteral("no such class or file"));
    EXPECT_EQ(shown->rowCount(), 0);
    view->setSearchText({});
    EXPECT_EQ(shown->rowCount(), 4);

    // Sorting by a header keeps every row.
    view->table()->sortByColumn(view->tableModel()->probabilityColumn(0), Qt::DescendingOrder);
    EXPECT_EQ(shown->rowCount(), 4);
    EXPECT_TRUE(shown->index(3, 0).data(BatchTableModel::FileRole).toString().endsWith(QStringLiteral("bad.png")))
        << "a failed row has no probability: last when sorted by it, highest first";
}

TEST_F(BatchViewTest, ClickingARowOpensTheImageInTheMainView)
{
    runBatch();
    BatchView* view = window->batchView();
    QTableView* table = view->table();
    const int row = rowOf(QStringLiteral("cat2.png"));
    ASSERT_GE(row, 0);
    const QModelIndex index = view->proxy()->index(row, view->tableModel()->fileColumn());
    table->scrollTo(index);
    const QRect cell = table->visualRect(index);
    ASSERT_TRUE(cell.isValid());
    QTest::mouseClick(table->viewport(), Qt::LeftButton, Qt::NoModifier, cell.center());

    EXPECT_FALSE(window->batchPageShown());
    EXPECT_EQ(window->session()->imagePath(), photos() + QStringLiteral("/cat2.png"));
    ASSERT_TRUE(QTest::qWaitFor(
        [this] {
            const ResultPtr result = window->currentResult();
            return result && window->session()->imageName() == QStringLiteral("cat2.png") && !window->isBusy();
        },
        kJobTimeoutMs));
    EXPECT_EQ(window->currentModel(), QStringLiteral("resnet18"));
}

TEST_F(BatchViewTest, ADroppedFolderStartsABatch)
{
    auto* mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(photos())});
    const QPoint at(window->width() / 2, window->height() / 2);
    QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window.get(), &enter);
    ASSERT_TRUE(enter.isAccepted());
    QDropEvent drop(QPointF(at), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window.get(), &drop);
    delete mime;

    EXPECT_TRUE(window->batchPageShown());
    BatchSession* batch = window->session()->batch();
    EXPECT_TRUE(batch->isActive());
    EXPECT_EQ(batch->plan().inputs, QStringList{photos()});
    ASSERT_TRUE(QTest::qWaitFor([batch] { return !batch->isActive(); }, kJobTimeoutMs));
    EXPECT_EQ(window->batchView()->tableModel()->rowCount(), 4);
}

TEST_F(BatchViewTest, ATileOfTheBatchsLayerShowsItsDatasetExamples)
{
    runBatch();
    BatchSession* batch = window->session()->batch();
    const ChannelExemplars exemplars = batch->exemplars("resnet18");
    ASSERT_FALSE(exemplars.isEmpty()) << "the batch kept no exemplars";

    window->showBatchPage(false);
    Q_EMIT window->featureGrid()->channelActivated(QString::fromStdString(exemplars.layer()), 0);
    ExemplarsDialog* dialog = window->exemplarsDialog();
    ASSERT_NE(dialog, nullptr);
    EXPECT_TRUE(dialog->isVisible());
    EXPECT_EQ(dialog->channel(), 0);
    EXPECT_EQ(dialog->exemplarCount(), 3) << "every readable image, strongest first";
    const QString sheet = mDir.path() + QStringLiteral("/sheet.png");
    ASSERT_TRUE(dialog->exportSheetTo(sheet));
    EXPECT_FALSE(QImage(sheet).isNull());

    // Another layer has no examples: nothing more opens.
    dialog->hide();
    Q_EMIT window->featureGrid()->channelActivated(QStringLiteral("layer1.0"), 0);
    EXPECT_FALSE(dialog->isVisible());
}

}  // namespace
}  // namespace convlens
