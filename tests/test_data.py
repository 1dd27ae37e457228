"""Raw data: checksummed fetching, USPS parsing and splitting, house-price preparation.

Every input is a small synthetic file in the real format, written into tmp_path.
"""

from __future__ import annotations

import bz2
import hashlib

import numpy as np
import pytest
from synthetic import write_h5

from hpstudy.data import fetch
from hpstudy.data.splits import load_splits
from hpstudy.errors import DataError
from hpstudy.problems import house, usps

REFUSED_URL = "http://127.0.0.1:9/nothing"  # port 9 (discard) on loopback: connection refused, never external
PAYLOAD = b"label,value\n1,2\n3,4\n" * 50


# --------------------------------------------------------------------------- fetch


@pytest.fixture
def mirror(tmp_path):
    folder = tmp_path / "mirror"
    folder.mkdir()
    (folder / "data.csv").write_bytes(PAYLOAD)
    return folder


def checksum_of(data: bytes, algorithm: str) -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def quiet(_message):
    pass


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256"])
def test_fetch_copies_mirror_file_with_matching_checksum(tmp_path, mirror, algorithm):
    destination = tmp_path / "raw" / "data.csv"

    origin = fetch.fetch("data.csv", None, checksum_of(PAYLOAD, algorithm), destination, mirror=mirror, log=quiet)

    assert destination.read_bytes() == PAYLOAD
    assert origin == str(mirror / "data.csv")
    assert sorted(p.name for p in destination.parent.iterdir()) == ["data.csv"]


def test_fetch_accepts_an_uppercase_hex_digest(tmp_path, mirror):
    destination = tmp_path / "raw" / "data.csv"
    checksum = "md5:" + hashlib.md5(PAYLOAD).hexdigest().upper()

    fetch.fetch("data.csv", None, checksum, destination, mirror=mirror, log=quiet)

    assert destination.read_bytes() == PAYLOAD


def test_fetch_prefers_the_mirror_over_the_url(tmp_path, mirror):
    destination = tmp_path / "raw" / "data.csv"

    origin = fetch.fetch("data.csv", REFUSED_URL, checksum_of(PAYLOAD, "sha1"), destination, mirror=mirror, log=quiet)

    assert origin == str(mirror / "data.csv")
    assert destination.read_bytes() == PAYLOAD


def test_fetch_wrong_checksum_names_file_expected_and_actual(tmp_path, mirror):
    destination = tmp_path / "raw" / "data.csv"
    expected = "0" * 32
    actual = hashlib.md5(PAYLOAD).hexdigest()

    with pytest.raises(DataError) as error:
        fetch.fetch("data.csv", None, f"md5:{expected}", destination, mirror=mirror, log=quiet)

    message = str(error.value)
    assert "data.csv" in message
    assert expected in message
    assert actual in message


def test_fetch_wrong_checksum_leaves_nothing_in_the_destination_folder(tmp_path, mirror):
    destination = tmp_path / "raw" / "data.csv"

    with pytest.raises(DataError):
        fetch.fetch("data.csv", None, "sha256:" + "0" * 64, destination, mirror=mirror, log=quiet)

    assert not destination.exists()
    assert list(destination.parent.iterdir()) == []  # no temporary file either
    assert (mirror / "data.csv").read_bytes() == PAYLOAD  # the mirror copy is untouched


def test_fetch_missing_mirror_file_without_url_mentions_data_mirror(tmp_path, mirror):
    destination = tmp_path / "raw" / "absent.h5"

    with pytest.raises(DataError, match="data_mirror") as error:
        fetch.fetch("absent.h5", None, "md5:" + "0" * 32, destination, mirror=mirror, log=quiet)

    assert "absent.h5" in str(error.value)
    assert not destination.exists()
    assert list(destination.parent.iterdir()) == []


def test_fetch_without_mirror_and_without_url_mentions_data_mirror(tmp_path):
    destination = tmp_path / "raw" / "absent.h5"

    with pytest.raises(DataError, match="data_mirror is not set"):
        fetch.fetch("absent.h5", None, "md5:" + "0" * 32, destination, mirror=None, log=quiet)

    assert not destination.exists()


def test_fetch_download_failure_explains_how_to_use_a_mirror(tmp_path):
    destination = tmp_path / "raw" / "data.csv"

    with pytest.raises(DataError) as error:
        fetch.fetch("data.csv", REFUSED_URL, checksum_of(PAYLOAD, "md5"), destination, mirror=None, log=quiet)

    message = str(error.value)
    assert "data_mirror" in message
    assert REFUSED_URL in message
    assert not destination.exists()
    assert list(destination.parent.iterdir()) == []


def test_fetch_falls_back_to_the_url_when_the_mirror_lacks_the_file(tmp_path, mirror):
    destination = tmp_path / "raw" / "other.csv"
    messages = []

    with pytest.raises(DataError, match="data_mirror"):
        fetch.fetch(
            "other.csv", REFUSED_URL, checksum_of(PAYLOAD, "md5"), destination, mirror=mirror, log=messages.append
        )

    assert any(REFUSED_URL in m for m in messages)
    assert not destination.exists()


@pytest.mark.parametrize("checksum", ["abc123", "md5:", "crc32:abc123", ":abc123", ""])
def test_parse_checksum_rejects_malformed_checksum(checksum):
    with pytest.raises(DataError, match="not of the form"):
        fetch.parse_checksum(checksum)


def test_parse_checksum_splits_algorithm_and_lowercases_digest():
    assert fetch.parse_checksum("sha1:ABCDEF") == ("sha1", "abcdef")


# --------------------------------------------------------------------------- USPS, LIBSVM packaging

LIBSVM_LINES = [
    "1 1:-1 2:1 3:0 5:0.5",  # index 4 omitted -> value 0
    "10 256:1",
    "5 1:-0.5 128:1 200:-1",
]


def write_libsvm(path, lines, compress=False):
    text = "\n".join(lines) + "\n"
    if compress:
        with bz2.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path


@pytest.fixture(params=[False, True], ids=["plain", "bz2"])
def libsvm_file(request, tmp_path):
    name = "usps.bz2" if request.param else "usps"
    return write_libsvm(tmp_path / name, LIBSVM_LINES, compress=request.param)


def test_libsvm_gives_one_256_pixel_row_per_line(libsvm_file):
    images, labels = usps.read_libsvm(libsvm_file)

    assert images.shape == (3, 256)
    assert images.dtype == np.float32
    assert labels.shape == (3,)


def test_libsvm_labels_are_shifted_to_zero_based(libsvm_file):
    _, labels = usps.read_libsvm(libsvm_file)

    assert labels.tolist() == [0, 9, 4]


def test_libsvm_pixels_are_mapped_from_minus_one_one_to_zero_one(libsvm_file):
    images, _ = usps.read_libsvm(libsvm_file)

    assert images[0, 0] == 0.0  # -1
    assert images[0, 1] == 1.0  # 1
    assert images[0, 2] == 0.5  # 0
    assert images[0, 4] == 0.75  # 0.5
    assert images[2, 0] == 0.25  # -0.5
    assert images[2, 127] == 1.0
    assert images[2, 199] == 0.0
    assert images[1, 255] == 1.0  # index 256 is the last pixel


def test_libsvm_omitted_index_counts_as_zero_which_maps_to_one_half(libsvm_file):
    images, _ = usps.read_libsvm(libsvm_file)

    assert images[0, 3] == 0.5  # index 4 omitted on line 1
    assert np.all(images[1, :255] == 0.5)  # line 2 only sets index 256
    assert np.all(images[0, 5:] == 0.5)


def test_libsvm_skips_blank_lines(tmp_path):
    path = write_libsvm(tmp_path / "usps", ["3 1:1", "", "   ", "4 2:-1"])

    _, labels = usps.read_libsvm(path)

    assert labels.tolist() == [2, 3]


def test_libsvm_label_eleven_is_out_of_range(tmp_path):
    path = write_libsvm(tmp_path / "usps", ["1 1:0", "11 1:0"])

    with pytest.raises(DataError, match="label 10 out of range"):
        usps.read_libsvm(path)


def test_libsvm_label_zero_is_out_of_range(tmp_path):
    path = write_libsvm(tmp_path / "usps", ["0 1:0"])

    with pytest.raises(DataError, match="out of range"):
        usps.read_libsvm(path)


def test_libsvm_garbage_line_names_the_line_number(tmp_path):
    path = write_libsvm(tmp_path / "usps", ["1 1:0", "2 1:0.5", "this is not libsvm"])

    with pytest.raises(DataError, match="line 3"):
        usps.read_libsvm(path)


def test_libsvm_non_numeric_value_names_the_line_number(tmp_path):
    path = write_libsvm(tmp_path / "usps.bz2", ["1 1:0", "2 7:abc"], compress=True)

    with pytest.raises(DataError, match="line 2"):
        usps.read_libsvm(path)


def test_libsvm_index_beyond_256_is_rejected(tmp_path):
    path = write_libsvm(tmp_path / "usps", ["1 257:0.5"])

    with pytest.raises(DataError, match="line 1"):
        usps.read_libsvm(path)


def test_libsvm_empty_file_has_no_samples(tmp_path):
    path = write_libsvm(tmp_path / "usps", [""])

    with pytest.raises(DataError, match="no samples"):
        usps.read_libsvm(path)


# --------------------------------------------------------------------------- USPS, HDF5 (Kaggle) packaging


def kaggle_split(n, offset=0):
    data = (np.arange(n * 256, dtype=np.float32).reshape(n, 256) + offset) / (n * 256 + offset)
    target = (np.arange(n, dtype=np.int32) + offset) % 10
    return data, target


def test_h5_reads_train_and_test_groups(tmp_path):
    train, test = kaggle_split(12), kaggle_split(5, offset=3)
    path = write_h5(tmp_path / "usps.h5", {"train": train, "test": test})

    result = usps.read_h5(path)

    assert set(result) == {"train", "test"}
    np.testing.assert_array_equal(result["train"][0], train[0])
    np.testing.assert_array_equal(result["test"][0], test[0])
    assert result["train"][1].tolist() == train[1].tolist()
    assert result["test"][1].tolist() == [3, 4, 5, 6, 7]
    assert result["train"][0].dtype == np.float32
    assert result["train"][1].dtype == np.int64


def test_h5_without_test_group_is_rejected(tmp_path):
    path = write_h5(tmp_path / "usps.h5", {"train": kaggle_split(12)})

    with pytest.raises(DataError, match="train/ and test/"):
        usps.read_h5(path)


def test_h5_with_100_columns_is_rejected(tmp_path):
    narrow = (np.zeros((12, 100), dtype=np.float32), np.zeros(12, dtype=np.int32))
    path = write_h5(tmp_path / "usps.h5", {"train": narrow, "test": kaggle_split(5)})

    with pytest.raises(DataError, match=r"\(12, 100\)"):
        usps.read_h5(path)


def test_h5_with_target_ten_is_rejected(tmp_path):
    data, target = kaggle_split(5)
    target[2] = 10
    path = write_h5(tmp_path / "usps.h5", {"train": kaggle_split(12), "test": (data, target)})

    with pytest.raises(DataError, match="label 10 out of range"):
        usps.read_h5(path)


def test_h5_that_is_not_hdf5_is_rejected(tmp_path):
    path = tmp_path / "usps.h5"
    path.write_text("not an HDF5 file")

    with pytest.raises(DataError, match="not a readable HDF5 file"):
        usps.read_h5(path)


# --------------------------------------------------------------------------- USPS, splitting

N_TRAIN, N_TEST = 50, 7


def usps_raw():
    """Every row is distinct: pixel 0 holds the row number."""
    x = np.zeros((N_TRAIN, 256), dtype=np.float32)
    x[:, 0] = np.arange(N_TRAIN)
    y = np.arange(N_TRAIN) % 10
    x_test = np.full((N_TEST, 256), -1.0, dtype=np.float32)
    x_test[:, 0] = np.arange(N_TEST)
    return {"train": (x, y), "test": (x_test, np.arange(N_TEST) % 10)}


def prepare_usps(tmp_path, name="usps.npz", split_seed=2023, rows=None):
    output = tmp_path / name
    sizes = usps.prepare(usps_raw(), rows or {"train": N_TRAIN, "test": N_TEST}, 0.2, split_seed, output, "usps")
    return sizes, load_splits(output)


def test_usps_prepare_split_sizes(tmp_path):
    sizes, data = prepare_usps(tmp_path)

    assert sizes == {"train": 40, "validation": 10, "test": 7}
    assert len(data["y_train"]) == 40 and data["x_train"].shape == (40, 256)
    assert len(data["y_validation"]) == 10 and data["x_validation"].shape == (10, 256)
    assert len(data["y_test"]) == 7 and data["x_test"].shape == (7, 256)


def test_usps_validation_size_is_rounded_fraction_of_train(tmp_path):
    raw = usps_raw()
    x, y = raw["train"]
    raw["train"] = (x[:23], y[:23])  # 0.2 * 23 = 4.6 -> 5

    sizes = usps.prepare(raw, {"train": 23, "test": N_TEST}, 0.2, 2023, tmp_path / "usps.npz", "usps")

    assert sizes == {"train": 18, "validation": 5, "test": 7}


def test_usps_test_split_is_the_original_test_set(tmp_path):
    _, data = prepare_usps(tmp_path)
    x_test, y_test = usps_raw()["test"]

    np.testing.assert_array_equal(data["x_test"], x_test)
    np.testing.assert_array_equal(data["y_test"], y_test)


def test_usps_validation_subset_is_the_same_for_the_same_seed(tmp_path):
    _, first = prepare_usps(tmp_path, "a.npz", split_seed=2023)
    _, second = prepare_usps(tmp_path, "b.npz", split_seed=2023)

    np.testing.assert_array_equal(first["x_validation"], second["x_validation"])
    np.testing.assert_array_equal(first["x_train"], second["x_train"])


def test_usps_validation_subset_differs_for_another_seed(tmp_path):
    _, first = prepare_usps(tmp_path, "a.npz", split_seed=2023)
    _, second = prepare_usps(tmp_path, "b.npz", split_seed=7)

    assert set(first["x_validation"][:, 0]) != set(second["x_validation"][:, 0])


def test_usps_train_and_validation_partition_the_original_train_set(tmp_path):
    _, data = prepare_usps(tmp_path)

    train_rows = data["x_train"][:, 0].astype(int).tolist()
    validation_rows = data["x_validation"][:, 0].astype(int).tolist()
    assert not set(train_rows) & set(validation_rows)
    assert sorted(train_rows + validation_rows) == list(range(N_TRAIN))


def test_usps_labels_travel_with_their_images(tmp_path):
    _, data = prepare_usps(tmp_path)

    for split in ("train", "validation"):
        rows = data[f"x_{split}"][:, 0].astype(int)
        np.testing.assert_array_equal(data[f"y_{split}"], rows % 10)


def test_usps_prepare_rejects_mismatched_train_rows(tmp_path):
    with pytest.raises(DataError, match="train has 50 samples, expected 51"):
        prepare_usps(tmp_path, rows={"train": 51, "test": N_TEST})

    assert not (tmp_path / "usps.npz").exists()


def test_usps_prepare_rejects_mismatched_test_rows(tmp_path):
    with pytest.raises(DataError, match="test has 7 samples, expected 2007"):
        prepare_usps(tmp_path, rows={"train": N_TRAIN, "test": 2007})


# --------------------------------------------------------------------------- house prices

FEATURES = ["OverallQual", "GrLivArea"]
TARGET = "SalePrice"
HOUSE_ROWS = {"train": 10, "validation": 5, "test": 5}


def house_rows():
    """20 rows; validation and test values are far from train so leaking their statistics shows."""
    rows = []
    for i in range(20):
        far = 0 if i < 10 else 1000
        rows.append(
            {
                "Id": i + 1,
                "Street": "Pave" if i % 2 else "Grvl",
                "OverallQual": (i % 7) + 1 + far,
                "LotArea": 8000 + i,
                "GrLivArea": 1000 + 37 * i + 10 * far,
                "SalePrice": 100000 + 5000 * i + (i % 3) * 777 + 100 * far,
            }
        )
    return rows


def write_house_csv(path, rows, columns=None):
    columns = columns or list(rows[0])
    lines = [",".join(columns)] + [",".join(str(row[c]) for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def prepare_house(tmp_path, rows=None):
    path = write_house_csv(tmp_path / "house.csv", house_rows())
    table = house.read_table(path, FEATURES, TARGET)
    sizes = house.prepare(table, FEATURES, TARGET, rows or HOUSE_ROWS, tmp_path / "house.npz", "house")
    return sizes, load_splits(tmp_path / "house.npz")


def test_house_read_table_keeps_only_features_and_target(tmp_path):
    path = write_house_csv(tmp_path / "house.csv", house_rows())

    table = house.read_table(path, FEATURES, TARGET)

    assert list(table.columns) == ["OverallQual", "GrLivArea", "SalePrice"]
    assert len(table) == 20
    assert table["GrLivArea"].iloc[3] == 1111.0
    assert table["SalePrice"].dtype == np.float64


def test_house_split_sizes_follow_rows(tmp_path):
    sizes, data = prepare_house(tmp_path)

    assert sizes == HOUSE_ROWS
    assert data["x_train"].shape == (10, 2)
    assert data["x_validation"].shape == (5, 2)
    assert data["x_test"].shape == (5, 2)
    assert data["y_test"].shape == (5,)


def test_house_splits_in_file_order(tmp_path):
    _, data = prepare_house(tmp_path)
    rows = house_rows()

    def original_x(split, i):
        return data[f"x_{split}"][i] * data["x_std"] + data["x_mean"]

    def original_y(split, i):
        return data[f"y_{split}"][i] * data["y_std"] + data["y_mean"]

    row_11, row_16 = rows[10], rows[15]  # 1-based CSV data rows 11 and 16
    np.testing.assert_allclose(original_x("validation", 0), [row_11["OverallQual"], row_11["GrLivArea"]], rtol=1e-5)
    assert original_y("validation", 0) == pytest.approx(row_11["SalePrice"], rel=1e-6)
    np.testing.assert_allclose(original_x("test", 0), [row_16["OverallQual"], row_16["GrLivArea"]], rtol=1e-5)
    assert original_y("train", 0) == pytest.approx(rows[0]["SalePrice"], rel=1e-6)


def test_house_standardises_with_train_statistics_only(tmp_path):
    _, data = prepare_house(tmp_path)
    rows = house_rows()
    train_x = np.array([[r["OverallQual"], r["GrLivArea"]] for r in rows[:10]], dtype=float)
    train_y = np.array([r["SalePrice"] for r in rows[:10]], dtype=float)

    np.testing.assert_allclose(data["x_mean"], train_x.mean(axis=0))
    np.testing.assert_allclose(data["x_std"], train_x.std(axis=0))
    assert float(data["y_mean"]) == pytest.approx(train_y.mean())
    assert float(data["y_std"]) == pytest.approx(train_y.std())
    assert float(data["y_mean"]) == pytest.approx(123199.3)


def test_house_train_split_has_zero_mean_and_unit_std(tmp_path):
    _, data = prepare_house(tmp_path)

    np.testing.assert_allclose(data["x_train"].mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(data["x_train"].std(axis=0), 1.0, atol=1e-6)
    assert data["y_train"].mean() == pytest.approx(0.0, abs=1e-6)
    assert data["y_train"].std() == pytest.approx(1.0, abs=1e-6)


def test_house_validation_is_not_standardised_with_its_own_statistics(tmp_path):
    _, data = prepare_house(tmp_path)

    assert np.all(data["x_validation"].mean(axis=0) > 10)  # its values lie far from the train values


def test_house_stores_feature_names(tmp_path):
    _, data = prepare_house(tmp_path)

    assert data["feature_names"].tolist() == FEATURES
    assert data["x_train"].dtype == np.float32


def test_house_missing_column_is_named(tmp_path):
    columns = [c for c in house_rows()[0] if c != "GrLivArea"]
    path = write_house_csv(tmp_path / "house.csv", house_rows(), columns)

    with pytest.raises(DataError, match="missing column\\(s\\) GrLivArea"):
        house.read_table(path, FEATURES, TARGET)


def test_house_non_numeric_value_names_the_column(tmp_path):
    rows = house_rows()
    rows[4]["OverallQual"] = "excellent"
    path = write_house_csv(tmp_path / "house.csv", rows)

    with pytest.raises(DataError) as error:
        house.read_table(path, FEATURES, TARGET)

    message = str(error.value)
    assert "column OverallQual" in message
    assert "'excellent'" in message
    assert "data row 5" in message


def test_house_non_numeric_extra_column_is_ignored(tmp_path):
    path = write_house_csv(tmp_path / "house.csv", house_rows())  # Street holds text

    table = house.read_table(path, FEATURES, TARGET)

    assert "Street" not in table.columns


def test_house_missing_value_names_the_column(tmp_path):
    rows = house_rows()
    rows[2]["SalePrice"] = ""
    path = write_house_csv(tmp_path / "house.csv", rows)

    with pytest.raises(DataError, match="column SalePrice, data row 3: empty cell"):
        house.read_table(path, FEATURES, TARGET)


def test_house_row_count_mismatch_is_rejected(tmp_path):
    with pytest.raises(DataError, match="20 rows, but data.house.rows asks for 21"):
        prepare_house(tmp_path, rows={"train": 10, "validation": 5, "test": 6})

    assert not (tmp_path / "house.npz").exists()


@pytest.mark.parametrize("line", ["1 0:0.5", "1 -2:0.5", "1 1:5", "1.7 1:0"])
def test_libsvm_rejects_index_below_one_value_outside_range_and_fractional_label(tmp_path, line):
    path = write_libsvm(tmp_path / "usps", ["1 1:0", line])

    with pytest.raises(DataError, match="line 2"):
        usps.read_libsvm(path)


def test_house_constant_train_feature_cannot_be_standardised(tmp_path):
    rows = house_rows()
    for row in rows:
        row["OverallQual"] = 5
    path = write_house_csv(tmp_path / "house.csv", rows)
    table = house.read_table(path, FEATURES, TARGET)

    with pytest.raises(DataError, match="OverallQual is constant"):
        house.prepare(table, FEATURES, TARGET, HOUSE_ROWS, tmp_path / "house.npz", "house")
    assert not (tmp_path / "house.npz").exists()


def test_fetch_malformed_url_is_a_clear_data_error(tmp_path):
    with pytest.raises(DataError, match="data_mirror"):
        fetch.fetch("f.csv", "notaurl", "md5:" + "0" * 32, tmp_path / "out" / "f.csv", log=lambda m: None)
    assert list((tmp_path / "out").iterdir()) == []


def test_fetch_refuses_a_malformed_checksum_before_any_transfer(tmp_path):
    with pytest.raises(DataError, match="is not of the form"):
        fetch.fetch("f.csv", "http://127.0.0.1:9/x", "crc32:abc", tmp_path / "f.csv", log=lambda m: None)
    assert not (tmp_path / "f.csv").exists()
