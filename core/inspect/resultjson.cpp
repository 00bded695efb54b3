#include "core/inspect/resultjson.h"

#include <QJsonArray>
#include <QJsonValue>

#include <cstddef>
#include <cstdint>
#include <map>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace convlens {

namespace {

// Which scoped fields this object includes.
struct Scope {
    bool analyze = false;
    bool fullLogits = false;

    bool includes(JsonScope scope) const
    {
        return scope == JsonScope::All || (scope == JsonScope::Analyze && analyze) ||
               (scope == JsonScope::FullLogits && fullLogits);
    }
};

// Calls f(std::integral_constant<std::size_t, I>) for every field of T, so the field's JSON form is a constant
// expression and a form that does not fit the field's type fails to compile instead of at run time.
template <Described T, typename F>
void forEachFieldIndex(F&& f)
{
    constexpr std::size_t count = std::tuple_size_v<std::remove_cvref_t<decltype(Fields<T>::list)>>;
    [&]<std::size_t... I>(std::index_sequence<I...>)
    {
        (f(std::integral_constant<std::size_t, I>{}), ...);
    }
    (std::make_index_sequence<count>{});
}

// Inserts key → value into the object at `path` ("stats/histogram": two levels down) of `object`, creating it.
void insertAt(QJsonObject& object, QStringView path, const QString& key, const QJsonValue& value)
{
    if (path.isEmpty()) {
        object.insert(key, value);
        return;
    }
    const qsizetype slash = path.indexOf(u'/');
    const QString head = (slash < 0 ? path : path.left(slash)).toString();
    QJsonObject child = object.value(head).toObject();
    insertAt(child, slash < 0 ? QStringView() : path.mid(slash + 1), key, value);
    object.insert(head, child);
}

QJsonValue toJson(const std::string& v, const Scope&)
{
    return QString::fromStdString(v);
}
QJsonValue toJson(float v, const Scope&)
{
    return static_cast<double>(v);
}
// Every leaf type a described field may have, used or not today, so a new field of that type needs no edit here.
[[maybe_unused]] QJsonValue toJson(double v, const Scope&)
{
    return v;
}
QJsonValue toJson(int v, const Scope&)
{
    return v;
}
QJsonValue toJson(int64_t v, const Scope&)
{
    return static_cast<qint64>(v);
}
[[maybe_unused]] QJsonValue toJson(bool v, const Scope&)
{
    return v;
}
QJsonValue toJson(const std::map<std::string, double>& v, const Scope&)
{
    QJsonObject object;
    for (const auto& [key, value] : v)
        object.insert(QString::fromStdString(key), value);
    return object;
}

template <Described T>
QJsonValue toJson(const T& v, const Scope& scope);

template <typename T>
QJsonValue toJson(const std::vector<T>& v, const Scope& scope)
{
    QJsonArray array;
    for (const T& item : v)
        array.append(toJson(item, scope));
    return array;
}

// A vector of described structs as one array per field, "<key>_<field name>" (parallel arrays).
template <Described Element>
void writeColumns(QJsonObject& object, QStringView path, const QString& key, const std::vector<Element>& elements,
                  const Scope& scope)
{
    forEachFieldIndex<Element>([&](auto index) {
        constexpr auto column = std::get<decltype(index)::value>(Fields<Element>::list);
        if constexpr (column.json != JsonForm::Omitted) {
            QJsonArray array;
            for (const Element& element : elements)
                array.append(toJson(element.*column.member, scope));
            insertAt(object, path, key + u'_' + QString::fromLatin1(column.name), array);
        }
    });
}

template <Described T>
void writeFields(QJsonObject& object, const T& v, const Scope& scope, QStringView group)
{
    forEachFieldIndex<T>([&](auto index) {
        constexpr auto f = std::get<decltype(index)::value>(Fields<T>::list);
        using Type = typename decltype(f)::Type;
        if constexpr (f.json != JsonForm::Omitted) {
            if (!scope.includes(f.scope))
                return;
            const Type& value = v.*f.member;
            // A group nests inside the enclosing field's group (an inlined struct's fields land where it would).
            QString path = group.toString();
            if (f.group != nullptr)
                path += (path.isEmpty() ? QString() : QStringLiteral("/")) + QString::fromLatin1(f.group);
            const QString key = QString::fromLatin1(f.name);
            if constexpr (f.json == JsonForm::Value) {
                insertAt(object, path, key, toJson(value, scope));
            } else if constexpr (f.json == JsonForm::NullWhenEmpty) {
                insertAt(object, path, key, value.empty() ? QJsonValue() : toJson(value, scope));
            } else if constexpr (f.json == JsonForm::Inline) {
                writeFields(object, value, scope, path);
            } else if constexpr (f.json == JsonForm::Columns) {
                writeColumns(object, path, key, value, scope);
            } else if constexpr (f.json == JsonForm::Rows) {
                const int length = v.*f.rowLength;
                QJsonArray rows;
                for (std::size_t start = 0; length > 0 && start + static_cast<std::size_t>(length) <= value.size();
                     start += static_cast<std::size_t>(length)) {
                    QJsonArray row;
                    for (int i = 0; i < length; ++i)
                        row.append(toJson(value[start + static_cast<std::size_t>(i)], scope));
                    rows.append(row);
                }
                insertAt(object, path, key, rows);
            }
        }
    });
}

template <Described T>
QJsonValue toJson(const T& v, const Scope& scope)
{
    QJsonObject object;
    writeFields(object, v, scope, QStringView());
    return object;
}

}  // namespace

QJsonObject predictionJson(const QString& image, const std::string& sha256, const std::string& modelId,
                           const std::string& weights, const Prediction& prediction, bool fullLogits)
{
    AnalysisResult result;
    result.imageSha256 = sha256;
    result.modelId = modelId;
    result.weights = weights;
    result.prediction = prediction;
    QJsonObject object = toJson(result, Scope{false, fullLogits}).toObject();
    object.insert(QStringLiteral("image"), image);
    return object;
}

QJsonObject analysisJson(const QString& image, const AnalysisResult& result, bool cached, bool fullLogits)
{
    QJsonObject object = toJson(result, Scope{true, fullLogits}).toObject();
    object.insert(QStringLiteral("image"), image);
    object.insert(QStringLiteral("cached"), cached);
    return object;
}

QJsonObject imageErrorJson(const QString& image, const std::string& sha256, const std::string& message)
{
    QJsonObject object{{QStringLiteral("image"), image}, {QStringLiteral("error"), QString::fromStdString(message)}};
    if (!sha256.empty())
        object.insert(QStringLiteral("sha256"), QString::fromStdString(sha256));
    return object;
}

}  // namespace convlens
