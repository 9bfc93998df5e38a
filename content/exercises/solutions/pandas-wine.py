import pandas as pd


def select_countries(df, countries):
    return df.loc[df.country.isin(countries)]


def first_rows(df, last_label):
    return df.loc[:last_label, ["country", "points"]]


def mean_points_by_country(df):
    return df.groupby("country").points.mean()


def fill_missing_prices(df):
    return df.fillna({"price": df.price.median()})


def country_dummies(df):
    return pd.get_dummies(df.country, dummy_na=True)
